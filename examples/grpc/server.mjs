// An example gofi service in Node (@grpc/grpc-js): messages.Gofi/Send answers each message { key, value } with
// { n, factors }, the prime factors of the integer in value (JSON), under the same key — gofi's demo.
//
//   node examples/grpc/server.mjs [port]      (or PORT=50051; port 0 picks a free one; HOST defaults to 127.0.0.1)
//
// It prints "listening on HOST:PORT" once it is ready. Ctrl-C stops it.
import { fileURLToPath } from "node:url";
import { loadPackageDefinition, Server, ServerCredentials } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

const PROTO = fileURLToPath(new URL("../../worker-node/nodes/grpc/gofi.proto", import.meta.url));
const gofi = loadPackageDefinition(loadSync(PROTO, { keepCase: true, defaults: true })).messages.Gofi;

/** Prime factors of n with multiplicity, ascending (trial division); [] for 0 and 1. */
function primeFactors(n) {
  const factors = [];
  let rest = n;
  for (let d = 2; d * d <= rest; d += d === 2 ? 1 : 2) {
    while (rest % d === 0) {
      factors.push(d);
      rest /= d;
    }
  }
  if (rest > 1) factors.push(rest);
  return factors;
}

/** The answer to one value: { n, factors }, or { error } — always exactly one answer per message. */
function answer(bytes) {
  let n;
  try {
    n = JSON.parse(bytes.toString("utf8"));
  } catch {
    return { error: `value is not JSON: ${bytes.toString("utf8").slice(0, 80)}` };
  }
  if (!Number.isSafeInteger(n) || n < 0) {
    return { error: `value must be a non-negative integer up to 2^53-1, got ${JSON.stringify(n)?.slice(0, 80)}` };
  }
  return { n, factors: primeFactors(n) };
}

function send(call) {
  call.on("data", (message) => {
    call.write({ key: message.key, value: Buffer.from(JSON.stringify(answer(message.value))) });
  });
  call.on("end", () => call.end());
  call.on("error", () => {}); // a client that goes away cancels its stream: nothing to do
}

const port = Number(process.argv[2] ?? process.env.PORT ?? 50051);
const host = process.env.HOST ?? "127.0.0.1";
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`port must be an integer from 0 to 65535, got ${process.argv[2] ?? process.env.PORT}`);
  process.exit(2);
}

const server = new Server();
server.addService(gofi.service, { Send: send });
server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error, actual) => {
  if (error) {
    console.error(`cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  }
  console.log(`listening on ${host.includes(":") ? `[${host}]` : host}:${actual}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    // Give open streams a second to finish, then drop them.
    const force = setTimeout(() => server.forceShutdown(), 1000);
    server.tryShutdown(() => clearTimeout(force));
  });
}
