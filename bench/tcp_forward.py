"""A small TCP forwarder: lets nodes in network namespaces reach PostgreSQL and Redis,
which listen on the host's loopback only, without changing their configuration.

    python -m bench.tcp_forward 10.231.7.1:5432=127.0.0.1:5432 10.231.7.1:6379=127.0.0.1:6379

It prints ``ready`` once every listener is open and runs until it is killed. It runs as
its own process so that copying database traffic does not slow the load generator.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys

CHUNK = 65_536


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        # The other direction may still be talking: close ours half, then all.
        with contextlib.suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()


async def _relay(
    target: tuple[str, int], client_reader: asyncio.StreamReader, client: asyncio.StreamWriter
) -> None:
    try:
        server_reader, server = await asyncio.open_connection(*target)
    except OSError:
        client.close()
        return
    try:
        await asyncio.gather(_pipe(client_reader, server), _pipe(server_reader, client))
    finally:
        for writer in (client, server):
            writer.close()


async def forward(routes: list[tuple[tuple[str, int], tuple[str, int]]]) -> None:
    servers = []
    for listen, target in routes:

        async def handle(
            reader: asyncio.StreamReader,
            writer: asyncio.StreamWriter,
            target: tuple[str, int] = target,
        ) -> None:
            await _relay(target, reader, writer)

        servers.append(await asyncio.start_server(handle, *listen, reuse_address=True))
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


def main(argv: list[str] | None = None) -> None:
    specs = sys.argv[1:] if argv is None else argv
    if not specs:
        raise SystemExit("usage: python -m bench.tcp_forward LISTEN_HOST:PORT=TARGET_HOST:PORT ...")
    routes = []
    for spec in specs:
        listen, _, target = spec.partition("=")
        routes.append((_split(listen), _split(target)))
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        asyncio.run(forward(routes))
    else:
        uvloop.run(forward(routes))


if __name__ == "__main__":
    main()
