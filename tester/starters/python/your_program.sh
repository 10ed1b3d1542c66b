#!/bin/sh
# your_program.sh starts your server. The tester runs it with PORT set (from
# stage 4 with --directory DIR, from stage 6 with --header-timeout 3s too);
# run it yourself to try the server by hand.
set -e
cd "$(dirname "$0")"   # this repository, wherever the script is called from

# exec: Python replaces this shell, so the tester's signals reach it.
# -u: output unbuffered, so your prints show up next to the tester's lines.
exec python3 -u app/main.py "$@"
