//! Your HTTP server, built stage by stage.
//!
//! Stage 1 is a TCP echo server. Its card, stages/01-echo.md in the
//! workbook, says what to build and lists every check the tester runs; the
//! chapter, docs/01-echo.md, explains why. This file already listens; the
//! TODOs below are yours.

use std::env;
use std::net::TcpListener;
use std::process;

fn main() {
    // From stage 4 on, the tester passes --directory: where to serve files from.
    let _directory = parse_directory();
    let port = env::var("PORT").unwrap_or_else(|_| "4221".to_string());

    // TcpListener::bind is socket, bind and listen in one call.
    let listener = TcpListener::bind(format!("0.0.0.0:{port}")).unwrap_or_else(|err| {
        eprintln!("listen on port {port}: {err}");
        process::exit(1);
    });
    println!("listening on port {port}");
    for conn in listener.incoming() {
        let conn = match conn {
            Ok(conn) => conn,
            Err(err) => {
                eprintln!("accept: {err}");
                continue;
            }
        };
        if let Ok(peer) = conn.peer_addr() {
            println!("accepted a connection from {peer}");
        }
        // TODO stage 1 (card: "What to build"): serve each connection on a
        // thread of its own (std::thread::spawn), so that a client that
        // stays connected does not stop the next one from being served.
        //
        // TODO stage 1 (card: "What to build", then "Hints"): in that thread,
        // echo. Read (std::io::Read) returns whatever has arrived; write back
        // exactly &buf[..n] with write_all, and repeat until read returns 0
        // (the client closed its side). Then drop the stream to close it.
        drop(conn);
    }
}

/// parse_directory returns the value of --directory, if it was given.
fn parse_directory() -> Option<String> {
    let mut args = env::args().skip(1);
    let mut directory = None;
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--directory", Some(dir)) => directory = Some(dir),
            // From stage 6 on, the tester passes --header-timeout too, such
            // as 3s: how long a request head may take to arrive (stage 2).
            ("--header-timeout", Some(_)) => {}
            _ => {
                eprintln!("usage: http-server [--directory DIR] [--header-timeout DURATION]");
                process::exit(2);
            }
        }
    }
    directory
}
