// `pregon passwd`: manages a password file in mosquitto's format, with mosquitto_passwd's
// command line, so existing scripts keep working:
//   pregon passwd [-H sha512 | -H sha512-pbkdf2] [-I iterations] [-c | -D] passwordfile username
//   pregon passwd [-H ...] [-I iterations] [-c] -b passwordfile username password
//   pregon passwd [-H ...] [-I iterations] -U passwordfile
// Without -b the password is read twice from stdin, without echo when stdin is a terminal.
// The file is replaced atomically (written beside it, then renamed), keeping its permissions and,
// when allowed, its owner; a new file is created readable by its owner only. Other users' lines,
// comments and blank lines are kept. Uses stdin, stdout and stderr; call from the main thread.
#pragma once

namespace pregon::app {

// argv[0] is "pregon passwd". Returns 0 on success, 1 on bad options, an unreadable or malformed
// file, a failed write, mismatched passwords, or -D of a user that is not in the file.
int run_passwd(int argc, char** argv);

}  // namespace pregon::app
