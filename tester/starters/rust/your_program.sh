#!/bin/sh
# your_program.sh starts your server. The tester runs it with PORT set (from
# stage 4 with --directory DIR, from stage 6 with --header-timeout 3s too);
# run it yourself to try the server by hand.
set -e
cd "$(dirname "$0")"   # this repository, wherever the script is called from

# Compile into target/, which .gitignore leaves out of your commits. A
# compile error stops here, and the tester shows it. With no dependencies
# in Cargo.toml, cargo needs no network.
cargo build --quiet --release

# exec: the server replaces this shell, so the tester's signals reach it.
exec ./target/release/http-server "$@"
