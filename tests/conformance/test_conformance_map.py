"""Keeps docs/conformance.md true: every normative statement has a test or a written reason, every
note and test names a real statement id, and the committed map is what the generator produces."""
import textwrap

try:  # tests/conformance may or may not be a package
    from . import conformance_map as cm
except ImportError:
    import conformance_map as cm


def test_every_statement_has_a_test_or_a_reason():
    cmap = cm.ConformanceMap()
    gaps = [f"{v} {sid}: {summary}" for v, sid, summary in cmap.unmapped()]
    assert not gaps, "statements with neither a test nor a note in docs/conformance-notes.tsv:\n" + "\n".join(gaps)


def test_notes_and_tests_name_known_statements():
    cmap = cm.ConformanceMap()
    assert not cmap.problems, "\n".join(cmap.problems)


def test_conformance_md_is_generated_from_the_tree():
    cmap = cm.ConformanceMap()
    committed = (cmap.root / cm.OUTPUT).read_text(encoding="utf-8")
    assert committed == cmap.render(), "docs/conformance.md is stale: run tests/conformance/conformance_map.py --write"


def test_scanner_reads_names_docstrings_versions_and_notes(tmp_path):
    """The generator itself, on a small made-up tree."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/normative-statements.tsv").write_text(textwrap.dedent("""\
        version\tid\tsection\tarea\tsummary
        5.0\tMQTT-3.3.2-13\t3.3.2\tproperties\tfive a
        5.0\tMQTT-4.2-1\t4.2\tgeneral\tfive b
        5.0\tMQTT-3.1.0-1\t3.1\tCONNECT\tfive c | pipe
        5.0\tMQTT-6.0.0-1\t6\twebsocket\tfive d
        3.1.1\tMQTT-3.1.0-1\t3.1\tCONNECT\tthree a
        3.1.1\tMQTT-3.3.2-13\t3.3.2\tPUBLISH\tthree b
        3.1.1\tMQTT-6.0.0-1\t6\twebsocket\tthree c
        """))
    (tmp_path / "docs/conformance-notes.tsv").write_text(
        "version\tid\treason\n5.0\tMQTT-6.0.0-1\tnot yet\n5.0\tMQTT-9.9.9-9\tbogus\n")
    v5 = tmp_path / "tests/conformance/v5"
    v5.mkdir(parents=True)
    (v5 / "test_a.py").write_text(textwrap.dedent('''\
        def test_MQTT_3_3_2_13_thing():
            """Also MQTT-4.2-1."""
        def helper_MQTT_3_1_0_1():
            pass
        '''))
    integ = tmp_path / "tests/integration"
    integ.mkdir(parents=True)
    (integ / "test_b.py").write_text(textwrap.dedent('''\
        def test_MQTT_3_1_0_1_first_packet():
            pass
        def test_MQTT_3_3_2_13_v5_only():
            pass
        '''))
    unit = tmp_path / "src/session"
    unit.mkdir(parents=True)
    (unit / "x_test.cpp").write_text("TEST(Connect, MQTT_3_1_0_1_FirstPacket) {}\n"
                                     "TEST(WsV311, MQTT_6_0_0_1_Binary) {}\n")

    cmap = cm.ConformanceMap(tmp_path)
    assert cmap.tests["5.0"]["MQTT-3.3.2-13"] == ["tests/conformance/v5/test_a.py::test_MQTT_3_3_2_13_thing",
                                                  "tests/integration/test_b.py::test_MQTT_3_3_2_13_v5_only"]
    assert cmap.tests["5.0"]["MQTT-4.2-1"] == ["tests/conformance/v5/test_a.py::test_MQTT_3_3_2_13_thing"]
    assert cmap.tests["3.1.1"]["MQTT-3.1.0-1"] == ["tests/integration/test_b.py::test_MQTT_3_1_0_1_first_packet",
                                                   "src/session/x_test.cpp: Connect.MQTT_3_1_0_1_FirstPacket"]
    assert cmap.tests["5.0"]["MQTT-3.1.0-1"] == ["src/session/x_test.cpp: Connect.MQTT_3_1_0_1_FirstPacket"]
    assert cmap.tests["3.1.1"]["MQTT-6.0.0-1"] == ["src/session/x_test.cpp: WsV311.MQTT_6_0_0_1_Binary"]
    assert "MQTT-6.0.0-1" not in cmap.tests["5.0"]
    assert cmap.unmapped() == [("3.1.1", "MQTT-3.3.2-13", "three b")]
    assert any("MQTT-9.9.9-9" in p for p in cmap.problems)

    (tmp_path / "docs/conformance.md").write_text(cmap.render())
    problems = cm.check(cmap)
    assert not any("stale" in p for p in problems)
    assert any("unmapped 3.1.1 MQTT-3.3.2-13" in p for p in problems)
    assert "five c \\| pipe" in cmap.render()
