"""An example gofi service in Python (grpcio only, no generated code).

messages.Gofi/Send answers each message { key, value } with { n, factors }: the prime factors of the integer
in value (JSON), under the same key (gofi's demo). The two-field GofiMessage is read and written by hand in
protobuf's wire format (field 1: key, a string; field 2: value, bytes), so only `pip install grpcio` is needed.

    python3 examples/grpc/server.py [port]     (or PORT=50051; port 0 picks a free one; HOST defaults to 127.0.0.1)

It prints "listening on HOST:PORT" once it is ready. Ctrl-C stops it.
"""

import json
import os
import signal
import sys
import threading
from concurrent import futures

import grpc

SERVICE = "messages.Gofi"
MAX_SAFE_INTEGER = 2**53 - 1


# --- GofiMessage { string key = 1; bytes value = 2; } in protobuf's wire format ---------------------------


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = 0
    shift = 0
    while True:
        if pos >= len(data):
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint too long")


def _write_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_message(data: bytes) -> tuple[str, bytes]:
    """(key, value) of a serialized GofiMessage; unknown fields are skipped, missing ones are empty."""
    key, value = "", b""
    pos = 0
    while pos < len(data):
        tag, pos = _read_varint(data, pos)
        field, wire_type = tag >> 3, tag & 0x07
        if wire_type == 2:  # length-delimited: strings, bytes, embedded messages
            length, pos = _read_varint(data, pos)
            if pos + length > len(data):
                raise ValueError("truncated field")
            chunk = data[pos : pos + length]
            pos += length
            if field == 1:
                key = chunk.decode("utf-8")
            elif field == 2:
                value = bytes(chunk)
        elif wire_type == 0:  # varint
            _, pos = _read_varint(data, pos)
        elif wire_type == 1:  # 64-bit
            pos += 8
        elif wire_type == 5:  # 32-bit
            pos += 4
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
    if pos != len(data):
        raise ValueError("truncated field")
    return key, value


def encode_message(message: tuple[str, bytes]) -> bytes:
    """A GofiMessage's bytes; empty fields are left out, as proto3 does."""
    key, value = message
    out = bytearray()
    key_bytes = key.encode("utf-8")
    if key_bytes:
        out += b"\x0a" + _write_varint(len(key_bytes)) + key_bytes  # field 1, wire type 2
    if value:
        out += b"\x12" + _write_varint(len(value)) + value  # field 2, wire type 2
    return bytes(out)


# --- the service ----------------------------------------------------------------------------------------


def prime_factors(n: int) -> list[int]:
    """Prime factors of n with multiplicity, ascending (trial division); [] for 0 and 1."""
    factors = []
    rest = n
    d = 2
    while d * d <= rest:
        while rest % d == 0:
            factors.append(d)
            rest //= d
        d += 1 if d == 2 else 2
    if rest > 1:
        factors.append(rest)
    return factors


def answer(value: bytes) -> dict:
    """The answer to one value: { n, factors }, or { error } -- always exactly one answer per message."""
    try:
        n = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {"error": f"value is not JSON: {value[:80]!r}"}
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0 or n > MAX_SAFE_INTEGER:
        return {"error": f"value must be a non-negative integer up to 2^53-1, got {json.dumps(n)[:80]}"}
    return {"n": n, "factors": prime_factors(n)}


def send(requests, context):
    """Send(stream GofiMessage) returns (stream GofiMessage): one answer per message, in order."""
    for key, value in requests:
        yield key, json.dumps(answer(value), separators=(",", ":")).encode("utf-8")


def main() -> None:
    raw_port = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PORT", "50051")
    host = os.environ.get("HOST", "127.0.0.1")
    try:
        port = int(raw_port)
        if not 0 <= port <= 65535:
            raise ValueError
    except ValueError:
        print(f"port must be an integer from 0 to 65535, got {raw_port}", file=sys.stderr)
        sys.exit(2)

    handler = grpc.stream_stream_rpc_method_handler(
        send, request_deserializer=decode_message, response_serializer=encode_message
    )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, {"Send": handler}),))
    shown = f"[{host}]" if ":" in host else host
    try:
        actual = server.add_insecure_port(f"{shown}:{port}")
    except RuntimeError as error:
        print(f"cannot listen on {shown}:{port}: {error}", file=sys.stderr)
        sys.exit(1)
    if actual == 0:
        print(f"cannot listen on {shown}:{port}", file=sys.stderr)
        sys.exit(1)
    server.start()
    print(f"listening on {shown}:{actual}", flush=True)

    stopped = threading.Event()

    def stop(*_args) -> None:
        # Give open streams a second to finish, then drop them.
        server.stop(grace=1).wait()
        stopped.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    stopped.wait()


if __name__ == "__main__":
    main()
