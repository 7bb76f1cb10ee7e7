#include "auth/jwt.hpp"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "auth/base64.hpp"

namespace pregon::auth {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr std::int64_t kNow = 1'700'000'000;
const system_clock::time_point kNowPoint{seconds(kNow)};
const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

PKey rsa_key(std::size_t bits) { return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits), EVP_PKEY_free); }
PKey ec_key(const char* curve) { return PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve), EVP_PKEY_free); }

std::string public_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

std::string digest_sign(EVP_PKEY* key, std::string_view input) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  std::size_t length = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  EVP_DigestSign(ctx.get(), nullptr, &length, in, input.size());
  std::string sig(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length, in, input.size());
  sig.resize(length);
  return sig;
}

// OpenSSL's DER ECDSA signature as the r||s pair JWS uses.
std::string der_to_raw(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  std::string raw(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

std::string hmac(std::string_view secret, std::string_view input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return std::string(reinterpret_cast<char*>(mac), length);
}

std::string unsigned_part(std::string_view header, std::string_view claims) {
  return base64url_encode(header) + "." + base64url_encode(claims);
}

class Jwt : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new PKey(rsa_key(2048));
    ec_ = new PKey(ec_key("P-256"));
  }
  static void TearDownTestSuite() {
    delete rsa_;
    delete ec_;
  }

  static std::string rs256(std::string_view claims, std::string_view header = R"({"alg":"RS256","typ":"JWT"})") {
    const std::string input = unsigned_part(header, claims);
    return input + "." + base64url_encode(digest_sign(rsa_->get(), input));
  }
  static std::string es256(std::string_view claims, std::string_view header = R"({"alg":"ES256"})") {
    const std::string input = unsigned_part(header, claims);
    return input + "." + base64url_encode(der_to_raw(digest_sign(ec_->get(), input)));
  }
  static std::string hs256(std::string_view claims, std::string_view secret = kSecret,
                           std::string_view header = R"({"alg":"HS256"})") {
    const std::string input = unsigned_part(header, claims);
    return input + "." + base64url_encode(hmac(secret, input));
  }

  static JwtVerifier verifier(JwtOptions options = {}) {
    options.keys.push_back(*JwtKey::public_key_pem(JwtAlgorithm::kRs256, public_pem(rsa_->get())));
    options.keys.push_back(*JwtKey::public_key_pem(JwtAlgorithm::kEs256, public_pem(ec_->get())));
    options.keys.push_back(*JwtKey::shared_secret(kSecret));
    return JwtVerifier(std::move(options));
  }

  static JwtErrorKind error_of(const JwtVerifier& v, const std::string& token,
                               system_clock::time_point now = kNowPoint) {
    auto result = v.verify(token, now);
    EXPECT_FALSE(result) << token;
    return result ? JwtErrorKind::kMalformed : result.error().kind;
  }

  static inline PKey* rsa_ = nullptr;
  static inline PKey* ec_ = nullptr;
};

const std::string kClaims = R"({"sub":"alice","exp":1700000600})";

TEST_F(Jwt, VerifiesEachAlgorithm) {
  const JwtVerifier v = verifier();
  for (const std::string& token : {rs256(kClaims), es256(kClaims), hs256(kClaims)}) {
    auto result = v.verify(token, kNowPoint);
    ASSERT_TRUE(result) << result.error().message;
    EXPECT_EQ(result->username, "alice");
    ASSERT_TRUE(result->expires_at);
    EXPECT_EQ(*result->expires_at, system_clock::time_point(seconds(1700000600)));
  }
}

TEST_F(Jwt, RefusesAlgNoneAndUnknownAlgorithms) {
  const JwtVerifier v = verifier();
  EXPECT_EQ(error_of(v, unsigned_part(R"({"alg":"none"})", kClaims) + "."), JwtErrorKind::kAlgorithmNotAllowed);
  EXPECT_EQ(error_of(v, unsigned_part(R"({"alg":"None"})", kClaims) + "."), JwtErrorKind::kAlgorithmNotAllowed);
  EXPECT_EQ(error_of(v, unsigned_part(R"({"alg":"HS512"})", kClaims) + ".AAAA"), JwtErrorKind::kAlgorithmNotAllowed);
  EXPECT_EQ(error_of(v, unsigned_part(R"({"typ":"JWT"})", kClaims) + ".AAAA"), JwtErrorKind::kAlgorithmNotAllowed);
  EXPECT_EQ(error_of(v, unsigned_part(R"({"alg":256})", kClaims) + ".AAAA"), JwtErrorKind::kAlgorithmNotAllowed);
}

TEST_F(Jwt, OnlyConfiguredAlgorithmsAreAccepted) {
  JwtOptions options;
  options.keys.push_back(*JwtKey::public_key_pem(JwtAlgorithm::kRs256, public_pem(rsa_->get())));
  const JwtVerifier rsa_only(std::move(options));
  EXPECT_TRUE(rsa_only.verify(rs256(kClaims), kNowPoint));
  EXPECT_EQ(error_of(rsa_only, hs256(kClaims)), JwtErrorKind::kAlgorithmNotAllowed);
  EXPECT_EQ(error_of(rsa_only, es256(kClaims)), JwtErrorKind::kAlgorithmNotAllowed);
}

TEST_F(Jwt, RsaPublicKeyIsNeverAnHmacSecret) {
  // The classic confusion attack: sign HS256 with the server's RSA public key (PEM text, or its
  // DER) as the HMAC secret.
  const std::string pem = public_pem(rsa_->get());
  const std::string forged = hs256(kClaims, pem);
  JwtOptions rsa_options;
  rsa_options.keys.push_back(*JwtKey::public_key_pem(JwtAlgorithm::kRs256, pem));
  EXPECT_EQ(error_of(JwtVerifier(std::move(rsa_options)), forged), JwtErrorKind::kAlgorithmNotAllowed);
  // With an HS256 secret configured as well, the forged token meets that secret only.
  EXPECT_EQ(error_of(verifier(), forged), JwtErrorKind::kBadSignature);
  // And an RS256 header over an HMAC signature fails too.
  const std::string input = unsigned_part(R"({"alg":"RS256"})", kClaims);
  EXPECT_EQ(error_of(verifier(), input + "." + base64url_encode(hmac(pem, input))), JwtErrorKind::kBadSignature);
}

TEST_F(Jwt, TamperedTokensFail) {
  const JwtVerifier v = verifier();
  for (std::string token : {rs256(kClaims), es256(kClaims), hs256(kClaims)}) {
    // Swap the claims for others, keeping the signature.
    const std::size_t a = token.find('.');
    const std::size_t b = token.find('.', a + 1);
    std::string forged = token.substr(0, a + 1) + base64url_encode(R"({"sub":"admin","exp":1700000600})") +
                         token.substr(b);
    EXPECT_EQ(error_of(v, forged), JwtErrorKind::kBadSignature);
    // Flip one bit of the signature.
    std::string sig = *base64url_decode(token.substr(b + 1));
    sig[sig.size() / 2] = static_cast<char>(sig[sig.size() / 2] ^ 1);
    EXPECT_EQ(error_of(v, token.substr(0, b + 1) + base64url_encode(sig)), JwtErrorKind::kBadSignature);
    // No signature at all.
    EXPECT_EQ(error_of(v, token.substr(0, b + 1)), JwtErrorKind::kBadSignature);
  }
}

TEST_F(Jwt, Es256WantsTheRawSignatureForm) {
  const std::string input = unsigned_part(R"({"alg":"ES256"})", kClaims);
  const std::string der = digest_sign(ec_->get(), input);
  EXPECT_EQ(error_of(verifier(), input + "." + base64url_encode(der)), JwtErrorKind::kBadSignature);
}

TEST_F(Jwt, ExpiryAndNotBeforeWithLeeway) {
  const JwtVerifier strict = verifier();
  JwtOptions lenient_options;
  lenient_options.leeway = seconds(30);
  const JwtVerifier lenient = verifier(std::move(lenient_options));

  const std::string expired = rs256(R"({"sub":"a","exp":1699999990})");  // 10 s ago
  EXPECT_EQ(error_of(strict, expired), JwtErrorKind::kExpired);
  EXPECT_TRUE(lenient.verify(expired, kNowPoint));
  EXPECT_EQ(error_of(lenient, expired, kNowPoint + seconds(20)), JwtErrorKind::kExpired);
  // Exactly at exp is too late [RFC 7519 4.1.4].
  EXPECT_EQ(error_of(strict, hs256(R"({"sub":"a","exp":1700000000})")), JwtErrorKind::kExpired);
  EXPECT_TRUE(strict.verify(hs256(R"({"sub":"a","exp":1700000000.5})"), kNowPoint));

  const std::string early = hs256(R"({"sub":"a","exp":1700001000,"nbf":1700000010})");
  EXPECT_EQ(error_of(strict, early), JwtErrorKind::kNotYetValid);
  EXPECT_TRUE(lenient.verify(early, kNowPoint));
  EXPECT_TRUE(strict.verify(early, kNowPoint + seconds(10)));  // at nbf is fine [RFC 7519 4.1.5]

  EXPECT_EQ(error_of(strict, hs256(R"({"sub":"a"})")), JwtErrorKind::kMissingExpiry);
  JwtOptions optional_exp;
  optional_exp.require_expiry = false;
  auto forever = verifier(std::move(optional_exp)).verify(hs256(R"({"sub":"a"})"), kNowPoint);
  ASSERT_TRUE(forever);
  EXPECT_FALSE(forever->expires_at);

  EXPECT_EQ(error_of(strict, hs256(R"({"sub":"a","exp":"1700000600"})")), JwtErrorKind::kMalformed);
  EXPECT_EQ(error_of(strict, hs256(R"({"sub":"a","exp":1700000600,"nbf":null})")), JwtErrorKind::kMalformed);
}

TEST_F(Jwt, UsernameClaim) {
  JwtOptions options;
  options.username_claim = "preferred_username";
  const JwtVerifier v = verifier(std::move(options));
  auto named = v.verify(hs256(R"({"sub":"123","preferred_username":"bob","exp":1700000600})"), kNowPoint);
  ASSERT_TRUE(named);
  EXPECT_EQ(named->username, "bob");
  EXPECT_EQ(error_of(v, hs256(kClaims)), JwtErrorKind::kNoUsername);
  EXPECT_EQ(error_of(verifier(), hs256(R"({"sub":42,"exp":1700000600})")), JwtErrorKind::kNoUsername);
  EXPECT_EQ(error_of(verifier(), hs256(R"({"sub":"","exp":1700000600})")), JwtErrorKind::kNoUsername);
}

TEST_F(Jwt, IssuerAndAudience) {
  JwtOptions options;
  options.issuer = "https://id.example";
  options.audience = "mqtt";
  const JwtVerifier v = verifier(std::move(options));
  EXPECT_TRUE(v.verify(hs256(R"({"sub":"a","exp":1700000600,"iss":"https://id.example","aud":"mqtt"})"), kNowPoint));
  EXPECT_TRUE(
      v.verify(hs256(R"({"sub":"a","exp":1700000600,"iss":"https://id.example","aud":["x","mqtt"]})"), kNowPoint));
  EXPECT_EQ(error_of(v, hs256(R"({"sub":"a","exp":1700000600,"iss":"https://evil","aud":"mqtt"})")),
            JwtErrorKind::kWrongIssuer);
  EXPECT_EQ(error_of(v, hs256(R"({"sub":"a","exp":1700000600,"aud":"mqtt"})")), JwtErrorKind::kWrongIssuer);
  EXPECT_EQ(error_of(v, hs256(R"({"sub":"a","exp":1700000600,"iss":"https://id.example","aud":["x"]})")),
            JwtErrorKind::kWrongAudience);
  EXPECT_EQ(error_of(v, hs256(R"({"sub":"a","exp":1700000600,"iss":"https://id.example"})")),
            JwtErrorKind::kWrongAudience);
}

TEST_F(Jwt, MalformedTokens) {
  const JwtVerifier v = verifier();
  const std::string good = hs256(kClaims);
  for (const std::string& token : {
           std::string(""),
           std::string("abc"),
           std::string("a.b"),
           good + ".extra",                                               // five parts would be JWE
           "!!!" + good.substr(good.find('.')),                            // header not base64url
           unsigned_part("not json", kClaims) + ".AAAA",
           unsigned_part(R"(["alg","HS256"])", kClaims) + ".AAAA",        // not an object
           good + "=",                                                     // padding in the signature
           std::string(kMaxTokenLength + 1, 'a'),
       }) {
    EXPECT_EQ(error_of(v, token), JwtErrorKind::kMalformed) << token;
  }
  EXPECT_EQ(error_of(v, hs256(kClaims, kSecret, R"({"alg":"HS256","crit":["exp"]})")), JwtErrorKind::kMalformed);
  // Signed, but the claims are not an object.
  EXPECT_EQ(error_of(v, hs256(R"("alice")")), JwtErrorKind::kMalformed);
}

TEST_F(Jwt, KeysMustFitTheirAlgorithm) {
  const std::string rsa_pem = public_pem(rsa_->get());
  const std::string ec_pem = public_pem(ec_->get());
  EXPECT_FALSE(JwtKey::public_key_pem(JwtAlgorithm::kEs256, rsa_pem));
  EXPECT_FALSE(JwtKey::public_key_pem(JwtAlgorithm::kRs256, ec_pem));
  EXPECT_FALSE(JwtKey::public_key_pem(JwtAlgorithm::kHs256, rsa_pem));
  EXPECT_FALSE(JwtKey::public_key_pem(JwtAlgorithm::kRs256, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"));
  EXPECT_FALSE(JwtKey::public_key_pem(JwtAlgorithm::kRs256, ""));
  EXPECT_FALSE(JwtKey::shared_secret("short"));
  EXPECT_TRUE(JwtKey::shared_secret(kSecret));

  const PKey p384 = ec_key("P-384");
  auto wrong_curve = JwtKey::public_key_pem(JwtAlgorithm::kEs256, public_pem(p384.get()));
  ASSERT_FALSE(wrong_curve);
  EXPECT_NE(wrong_curve.error().find("P-256"), std::string::npos);
  const PKey small = rsa_key(1024);
  EXPECT_FALSE(JwtKey::public_key_pem(JwtAlgorithm::kRs256, public_pem(small.get())));

  EXPECT_EQ(jwt_algorithm_named("RS256"), JwtAlgorithm::kRs256);
  EXPECT_EQ(jwt_algorithm_named("none"), std::nullopt);
  EXPECT_EQ(jwt_algorithm_name(JwtAlgorithm::kEs256), "ES256");
}

TEST_F(Jwt, LoadsKeysFromFiles) {
  const std::string path = testing::TempDir() + "pregon_jwt_test_key.pem";
  {
    std::ofstream out(path, std::ios::binary);
    out << public_pem(ec_->get());
  }
  auto key = JwtKey::public_key_file(JwtAlgorithm::kEs256, path);
  std::remove(path.c_str());
  ASSERT_TRUE(key) << key.error();
  JwtOptions options;
  options.keys.push_back(*key);
  EXPECT_TRUE(JwtVerifier(std::move(options)).verify(es256(kClaims), kNowPoint));
  EXPECT_FALSE(JwtKey::public_key_file(JwtAlgorithm::kEs256, path));
}

}  // namespace
}  // namespace pregon::auth
