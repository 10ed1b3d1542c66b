"""Your HTTP server, built stage by stage.

Stage 1 is a TCP echo server. Its card, stages/01-echo.md in the workbook,
says what to build and lists every check the tester runs; the chapter,
docs/01-echo.md, explains why. This file already listens; the TODOs below
are yours.
"""

import argparse
import os
import socket


def main():
    parser = argparse.ArgumentParser(description="An HTTP server, stage by stage.")
    # From stage 4 on, the tester passes --directory: where to serve files from.
    parser.add_argument("--directory", help="serve files from this directory")
    # From stage 6 on, it passes --header-timeout too, such as 3s: how long a
    # request head may take to arrive (stage 2's header timeout).
    parser.add_argument("--header-timeout", default="10s", help="time a client has to send a request head")
    args = parser.parse_args()
    port = int(os.environ.get("PORT", "4221"))

    # create_server is socket, bind and listen in one call. It sets
    # SO_REUSEADDR, so a restarted server can bind the port again at once.
    with socket.create_server(("", port)) as listener:
        print(f"listening on port {port}")
        while True:
            conn, (host, client_port) = listener.accept()
            print(f"accepted a connection from {host}:{client_port}")
            # TODO stage 1 (card: "What to build"): serve each connection on
            # a thread of its own (threading.Thread), so that a client that
            # stays connected does not stop the next one from being served.
            #
            # TODO stage 1 (card: "What to build", then "Hints"): in that
            # thread, echo. conn.recv(65536) returns whatever has arrived;
            # send exactly those bytes back with conn.sendall, and repeat
            # until recv returns b"" (the client closed its side). Then
            # close the connection.
            conn.close()


if __name__ == "__main__":
    main()
