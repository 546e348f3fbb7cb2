"""Command line: python -m scalingo_sim [--host H] [--port P] ..."""

import argparse
import logging
import os
import signal
import sys

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import close_trap, create_app

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class QuietHandler(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m scalingo_sim", description="Scalingo API simulator")
    parser.add_argument("--host", default="127.0.0.1", help="127.0.0.1, localhost or ::1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument(
        "--token",
        action="append",
        default=None,
        help="API token of the default user (repeatable); replaces tk-us-simulator",
    )
    parser.add_argument("--operation-duration", type=float, default=2.0, help="seconds (default 2.0)")
    parser.add_argument("--bearer-ttl", type=float, default=3600, help="seconds (default 3600)")
    parser.add_argument("--url-file", help="write the base URL to this file once listening")
    return parser.parse_args(argv)


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def stop(signum, frame):
    raise SystemExit(0)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.host not in LOCAL_HOSTS:
        print(f"refusing to listen on {args.host!r}: only {', '.join(LOCAL_HOSTS)}", file=sys.stderr)
        return 2
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app(
        {
            "tokens": args.token,
            "operation_duration": args.operation_duration,
            "bearer_ttl": args.bearer_ttl,
            "trap": True,
            "attach": True,
            "database": True,
        }
    )
    try:
        server = make_server(args.host, args.port, app, threaded=True, request_handler=QuietHandler)
    except BaseException:
        close_trap(app)
        raise
    url = base_url(args.host, server.server_port)
    if args.url_file:
        # Written then renamed, so a watcher never reads a partial URL.
        partial = f"{args.url_file}.partial"
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(url)
        os.replace(partial, args.url_file)
    print(f"Scalingo simulator listening on {url}", flush=True)
    # SystemExit from the handler unwinds serve_forever; the finally closes the socket.
    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        close_trap(app)
    return 0
