#!/bin/sh
# your_program.sh starts your server. The tester runs it with PORT set (from
# stage 4 with --directory DIR, from stage 6 with --header-timeout 3s too);
# run it yourself to try the server by hand.
set -e
cd "$(dirname "$0")"   # this repository, wherever the script is called from

# exec: Node replaces this shell, so the tester's signals reach it.
# (Node writes to a pipe without buffering, so console.log shows up at once.)
exec node app/main.js "$@"
