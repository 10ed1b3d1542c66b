// Your HTTP server, built stage by stage.
//
// Stage 1 is a TCP echo server. Its card, stages/01-echo.md in the workbook,
// says what to build and lists every check the tester runs; the chapter,
// docs/01-echo.md, explains why. This file already listens; the TODOs below
// are yours.
"use strict";

const net = require("node:net");
const { parseArgs } = require("node:util");

// From stage 4 on, the tester passes --directory: where to serve files from;
// from stage 6 on, --header-timeout too, such as 3s: how long a request head
// may take to arrive (stage 2's header timeout).
const { values: args } = parseArgs({
  options: { directory: { type: "string" }, "header-timeout": { type: "string", default: "10s" } },
});
const port = Number(process.env.PORT || 4221);

// Node calls this function for every connection, and serves them all at
// once on its event loop: stage 1's concurrency comes for free here.
const server = net.createServer((socket) => {
  console.log(`accepted a connection from ${socket.remoteAddress}:${socket.remotePort}`);
  // TODO stage 1 (card: "What to build", then "Hints"): echo. The "data"
  // event hands you whatever has arrived; write exactly those bytes back
  // with socket.write. When the client closes its side ("end"), close
  // yours: Node does that for you once your writes are done.
  //
  // TODO stage 1 (card: "What to build"): a client that disconnects in the
  // middle of an echo makes the socket emit "error"; with no listener for
  // it, Node ends the whole server. Listen for it and log it.
  socket.end();
});

server.listen(port, () => console.log(`listening on port ${port}`));
