"""Which broker the fixtures start: pregon (default) or, with PREGON_TEST_AGAINST=mosquitto, the
system's mosquitto as a reference to prove the tests themselves right.

Tests mark behaviour that only pregon has with @pytest.mark.pregon_only("why"), and a spec rule
mosquitto breaks with @pytest.mark.mosquitto_xfail("how it deviates"); conftest.py applies them.
"""
import os

AGAINST = os.environ.get("PREGON_TEST_AGAINST", "pregon").strip().lower() or "pregon"


def against_mosquitto():
    return AGAINST == "mosquitto"
