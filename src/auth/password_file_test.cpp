#include "auth/password_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "auth/base64.hpp"

namespace pregon::auth {
namespace {

// Lines written by mosquitto_passwd 2.0.11 (Debian 12), with the passwords they were made from:
//   mosquitto_passwd -c -b pw alice secret;  mosquitto_passwd -b pw bob 'p@ss:word'
//   mosquitto_passwd -b pw carol '';  mosquitto_passwd -b pw dave 'ünïcode' (UTF-8)
//   mosquitto_passwd -H sha512 -b pw eve legacy;  mosquitto_passwd -H sha512 -b pw frank ''
constexpr std::string_view kAlice =
    "alice:$7$101$nCKNhpUfxAKXdND4$7o66G2k+5qjKhsjlJxvGnbJn+Kvo7MqLWdSSFw4cWsyubUkBZow8PEdlAeJ3X7fnmUAm6zJtCk77BI0/"
    "yusdZg==";
constexpr std::string_view kBob =
    "bob:$7$101$LxFG98iHw2p5AjXF$0V3E/ZlfeCCJ2eOV0uxUZvKGWXdF0MKE7fNLNAYbDWRtKdvF24pXoiOnYn8UZ5uOwN+Br8Lw26R+"
    "uXtnlkOiVg==";
constexpr std::string_view kCarol =
    "carol:$7$101$+ALbP1hxSuoMvd0f$evGcGWBFat4S7FpLV/FmxQ3Oq1914YcJtjJybpJVFsP5nDELQJUCfUf/sL/"
    "zgmhMntlseluFV4Zz3gciZ1EfEw==";
constexpr std::string_view kDave =
    "dave:$7$101$JZfWDjk1/HkscbIS$mW/QB0OTVtZ+awFUee4LasuO8awPh4zOcDoHeiMGwZj/fcloALQxykja6+"
    "oOewlXPZny2fKtIPT/hJONMDAPiw==";
constexpr std::string_view kEve =
    "eve:$6$6Oz6Sq/5NVNXrpCQ$MbUikEjLB0WpL4beCBFKM0X4Xx0LehRXb/68VIgaWSW1EdYyz+SMOmVbIyIXw+/"
    "UXGf28hVS526NiqAEUPn+2A==";
constexpr std::string_view kFrank =
    "frank:$6$4YaIRz28QcKOgOkV$FkPRT41BhsSxkY3XU+4U2b1/mVAehwOBSuSTE9a+vvT8VxnT8MdRjGZnCGvS1LmJaz/x+jK2M/"
    "Mlkip0X1dOyw==";

std::string file_of(std::initializer_list<std::string_view> lines) {
  std::string text;
  for (std::string_view l : lines) {
    text += l;
    text += '\n';
  }
  return text;
}

TEST(Base64, RoundTripsAndIsStrict) {
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), std::string(s));
    EXPECT_EQ(base64url_decode(base64url_encode(s)), std::string(s));
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(base64_decode("Zm8"));     // padding required
  EXPECT_FALSE(base64_decode("Zm9="));    // non-zero leftover bits
  EXPECT_FALSE(base64_decode("Z=8="));    // '=' inside
  EXPECT_FALSE(base64_decode("Zm8*"));    // outside the alphabet
  EXPECT_FALSE(base64url_decode("Zm8="));  // no padding in base64url
  EXPECT_FALSE(base64url_decode("Z"));
  EXPECT_FALSE(base64url_decode("+/"));  // the standard alphabet is not base64url
}

TEST(PasswordHash, VerifiesLinesMadeByMosquittoPasswd) {
  auto file = PasswordFile::parse(file_of({kAlice, kBob, kCarol, kDave, kEve, kFrank}));
  ASSERT_TRUE(file) << file.error().line << ": " << file.error().message;
  EXPECT_EQ(file->size(), 6u);
  EXPECT_TRUE(file->verify("alice", "secret"));
  EXPECT_TRUE(file->verify("bob", "p@ss:word"));
  EXPECT_TRUE(file->verify("carol", ""));
  EXPECT_TRUE(file->verify("dave", "\xc3\xbc" "n\xc3\xaf" "code"));
  EXPECT_TRUE(file->verify("eve", "legacy"));
  EXPECT_TRUE(file->verify("frank", ""));

  EXPECT_FALSE(file->verify("alice", "Secret"));
  EXPECT_FALSE(file->verify("alice", "secret "));
  EXPECT_FALSE(file->verify("alice", ""));
  EXPECT_FALSE(file->verify("bob", "p@ss"));
  EXPECT_FALSE(file->verify("carol", "x"));
  EXPECT_FALSE(file->verify("eve", "legacyx"));
  EXPECT_FALSE(file->verify("mallory", "secret"));
  EXPECT_FALSE(file->verify("", ""));
  EXPECT_FALSE(file->verify("ALICE", "secret"));

  const PasswordHash* alice = file->find("alice");
  ASSERT_NE(alice, nullptr);
  EXPECT_EQ(alice->algorithm(), HashAlgorithm::kSha512Pbkdf2);
  EXPECT_EQ(alice->iterations(), 101);
  EXPECT_EQ(alice->salt().size(), kSaltLength);
  EXPECT_EQ(file->find("eve")->algorithm(), HashAlgorithm::kSha512);
}

TEST(PasswordHash, TextFormRoundTripsExactly) {
  for (std::string_view line : {kAlice, kBob, kEve, kFrank}) {
    const std::string_view text = line.substr(line.find(':') + 1);
    auto hash = PasswordHash::parse(text);
    ASSERT_TRUE(hash) << hash.error();
    EXPECT_EQ(hash->to_string(), text);
  }
}

TEST(PasswordHash, CreatedHashesVerifyAndUseFreshSalts) {
  auto a = PasswordHash::create("hunter2");
  auto b = PasswordHash::create("hunter2");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->iterations(), kDefaultIterations);
  EXPECT_EQ(a->salt().size(), kSaltLength);
  EXPECT_NE(a->salt(), b->salt());
  EXPECT_NE(a->hash(), b->hash());
  EXPECT_TRUE(a->verify("hunter2"));
  EXPECT_FALSE(a->verify("hunter3"));
  EXPECT_TRUE(a->to_string().starts_with("$7$1000$"));

  auto reparsed = PasswordHash::parse(a->to_string());
  ASSERT_TRUE(reparsed);
  EXPECT_TRUE(reparsed->verify("hunter2"));

  auto legacy = PasswordHash::create("old", HashAlgorithm::kSha512);
  ASSERT_TRUE(legacy);
  EXPECT_TRUE(legacy->to_string().starts_with("$6$"));
  EXPECT_TRUE(legacy->verify("old"));

  auto many = PasswordHash::create("x", HashAlgorithm::kSha512Pbkdf2, 2000);
  ASSERT_TRUE(many);
  EXPECT_TRUE(many->to_string().starts_with("$7$2000$"));
  EXPECT_FALSE(PasswordHash::create("x", HashAlgorithm::kSha512Pbkdf2, 0));
  EXPECT_FALSE(PasswordHash::create("x", HashAlgorithm::kSha512Pbkdf2, kMaxIterations + 1));
}

TEST(PasswordHash, RejectsMalformedHashes) {
  const std::string good_salt = "nCKNhpUfxAKXdND4";
  const std::string good_hash(kAlice.substr(kAlice.rfind('$') + 1));
  EXPECT_TRUE(PasswordHash::parse("$7$101$" + good_salt + "$" + good_hash));
  for (const std::string& bad : {
           std::string("secret"),                                      // plain text
           "$7$101$" + good_salt,                                      // missing hash
           "$7$$" + good_salt + "$" + good_hash,                       // no count
           "$7$0$" + good_salt + "$" + good_hash,                      // zero iterations
           "$7$-1$" + good_salt + "$" + good_hash,                     // negative
           "$7$1x$" + good_salt + "$" + good_hash,                     // junk in the count
           "$7$99999999999$" + good_salt + "$" + good_hash,            // overflow
           "$7$10000001$" + good_salt + "$" + good_hash,               // above kMaxIterations
           "$7$101$$" + good_hash,                                     // empty salt
           "$7$101$" + good_salt + "$" + good_hash.substr(4),          // short hash
           "$7$101$" + good_salt + "$" + good_hash + "$",              // extra field
           "$7$101$n!KNhpUfxAKXdND4$" + good_hash,                     // bad base64
           "$6$101$" + good_salt + "$" + good_hash,                    // $6$ has no count
           "$5$" + good_salt + "$" + good_hash,                        // unknown type
           "7$101$" + good_salt + "$" + good_hash,                     // no leading '$'
       }) {
    EXPECT_FALSE(PasswordHash::parse(bad)) << bad;
  }
}

TEST(PasswordFile, KeepsCommentsBlankLinesAndOrder) {
  const std::string text = file_of({"# users of the plant", kAlice, "", "  # indented comment", kEve});
  auto file = PasswordFile::parse(text);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->size(), 2u);
  EXPECT_EQ(file->to_text(), text);

  // Windows line ends and a missing final newline are accepted.
  auto crlf = PasswordFile::parse(std::string(kAlice) + "\r\n" + std::string(kEve));
  ASSERT_TRUE(crlf);
  EXPECT_TRUE(crlf->verify("eve", "legacy"));
  EXPECT_EQ(crlf->to_text(), file_of({kAlice, kEve}));

  auto empty = PasswordFile::parse("");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_EQ(empty->to_text(), "");
}

TEST(PasswordFile, SetReplacesInPlaceAndAppendsNewUsers) {
  auto file = PasswordFile::parse(file_of({"# head", kAlice, kBob, "# tail"}));
  ASSERT_TRUE(file);
  file->set("alice", *PasswordHash::create("new"));
  file->set("zoe", *PasswordHash::create("zz"));
  EXPECT_TRUE(file->verify("alice", "new"));
  EXPECT_FALSE(file->verify("alice", "secret"));
  EXPECT_TRUE(file->verify("bob", "p@ss:word"));
  EXPECT_TRUE(file->verify("zoe", "zz"));

  const std::string text = file->to_text();
  // alice stays on line 2, bob's line is untouched, zoe comes last.
  EXPECT_TRUE(text.starts_with("# head\nalice:$7$1000$"));
  EXPECT_NE(text.find(std::string("\n") + std::string(kBob) + "\n# tail\nzoe:$7$1000$"), std::string::npos);
  auto again = PasswordFile::parse(text);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->verify("alice", "new"));
  EXPECT_TRUE(again->verify("zoe", "zz"));
}

TEST(PasswordFile, RemoveDropsOnlyThatLine) {
  auto file = PasswordFile::parse(file_of({kAlice, "# about bob", kBob, kEve}));
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->remove("bob"));
  EXPECT_FALSE(file->remove("bob"));
  EXPECT_FALSE(file->remove("nobody"));
  EXPECT_EQ(file->to_text(), file_of({kAlice, "# about bob", kEve}));
  EXPECT_FALSE(file->verify("bob", "p@ss:word"));
  EXPECT_TRUE(file->verify("eve", "legacy"));  // the index still finds lines after the removal
  file->set("bob", *PasswordHash::create("back"));
  EXPECT_TRUE(file->verify("bob", "back"));
}

TEST(PasswordFile, ErrorsCarryLineNumbers) {
  struct Case {
    std::string text;
    std::size_t line;
  };
  for (const Case& c : {
           Case{file_of({kAlice, "bob"}), 2},                        // no ':'
           Case{file_of({"# c", "", ":$6$x$y"}), 3},                 // empty username
           Case{file_of({kAlice, kBob, kAlice}), 3},                 // duplicate
           Case{file_of({kAlice, "bob:plaintext"}), 2},              // not hashed
           Case{file_of({"eve:$6$6Oz6Sq/5NVNXrpCQ$short"}), 1},       // bad hash
       }) {
    auto file = PasswordFile::parse(c.text);
    ASSERT_FALSE(file) << c.text;
    EXPECT_EQ(file.error().line, c.line) << c.text << " -> " << file.error().message;
    EXPECT_FALSE(file.error().message.empty());
  }
  auto duplicate = PasswordFile::parse(file_of({kAlice, kAlice}));
  ASSERT_FALSE(duplicate);
  EXPECT_NE(duplicate.error().message.find("line 1"), std::string::npos);
}

TEST(PasswordFile, HashesPlainTextFilesOnce) {
  auto file = PasswordFile::hash_plain_text(file_of({"# plain", "alice:secret", "bob:p@ss:word", "carol:", kEve}));
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_TRUE(file->verify("alice", "secret"));
  EXPECT_TRUE(file->verify("bob", "p@ss:word"));
  EXPECT_TRUE(file->verify("carol", ""));
  EXPECT_TRUE(file->verify("eve", "legacy"));  // already hashed: kept, not hashed again
  const std::string text = file->to_text();
  EXPECT_TRUE(text.starts_with("# plain\nalice:$7$"));
  EXPECT_NE(text.find(std::string(kEve)), std::string::npos);
  EXPECT_EQ(text.find("secret"), std::string::npos);

  EXPECT_EQ(PasswordFile::hash_plain_text("alice:a\nnocolon\n").error().line, 2u);
  EXPECT_EQ(PasswordFile::hash_plain_text("alice:a\nalice:b\n").error().line, 2u);
}

TEST(PasswordFile, ValidUsernames) {
  EXPECT_TRUE(PasswordFile::valid_username("alice"));
  EXPECT_TRUE(PasswordFile::valid_username("with space"));
  EXPECT_FALSE(PasswordFile::valid_username(""));
  EXPECT_FALSE(PasswordFile::valid_username("a:b"));
  EXPECT_FALSE(PasswordFile::valid_username("a\nb"));
}

TEST(PasswordFile, LoadsFromAPath) {
  const std::string path = testing::TempDir() + "pregon_password_file_test.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << file_of({kAlice, kEve});
  }
  auto file = PasswordFile::load(path);
  std::remove(path.c_str());
  ASSERT_TRUE(file);
  EXPECT_TRUE(file->verify("alice", "secret"));

  auto missing = PasswordFile::load(path);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().line, 0u);
}

}  // namespace
}  // namespace pregon::auth
