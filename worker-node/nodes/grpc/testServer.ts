// Test helper: a real gofi service (grpc-js Server on 127.0.0.1) whose answers a test scripts, that it can
// stop and start again on the same port. It keeps what it received and which streams were cancelled.
import { Server, ServerCredentials, type ServerDuplexStream, type ServiceDefinition } from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import { GOFI_DESCRIPTOR, GOFI_LOAD_OPTIONS, GOFI_SERVICE, type GofiMessage } from "./gofiProto.ts";

/** What the service does with one message: answer it (once, several times or not at all) on `call`. */
export type Answerer = (message: GofiMessage, call: ServerDuplexStream<GofiMessage, GofiMessage>) => void;

export interface TestServer {
  readonly address: string;
  readonly port: number;
  readonly received: GofiMessage[];
  /** Streams opened, and how many the client cancelled. */
  readonly streams: { opened: number; cancelled: number };
  /** Drops every connection at once (as a crash would). */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  restart(): Promise<void>;
}

/** Echoes each message back: same key, same bytes. */
export const echo: Answerer = (message, call) => {
  call.write({ key: message.key, value: message.value });
};

export async function startTestServer(answer: Answerer = echo, port = 0): Promise<TestServer> {
  const service = fromJSON(GOFI_DESCRIPTOR, GOFI_LOAD_OPTIONS)[GOFI_SERVICE] as ServiceDefinition;
  const received: GofiMessage[] = [];
  const streams = { opened: 0, cancelled: 0 };
  let server: Server | undefined;
  const listen = async (on: number): Promise<number> => {
    server = new Server();
    server.addService(service, {
      Send: (call: ServerDuplexStream<GofiMessage, GofiMessage>) => {
        streams.opened += 1;
        call.on("cancelled", () => {
          streams.cancelled += 1;
        });
        call.on("error", () => {});
        call.on("data", (message: GofiMessage) => {
          received.push(message);
          answer(message, call);
        });
        call.on("end", () => call.end());
      },
    });
    const bound = server;
    return new Promise<number>((resolve, reject) =>
      bound.bindAsync(`127.0.0.1:${on}`, ServerCredentials.createInsecure(), (error, actual) =>
        error ? reject(error) : resolve(actual),
      ),
    );
  };
  const actualPort = await listen(port);
  return {
    address: `127.0.0.1:${actualPort}`,
    port: actualPort,
    received,
    streams,
    async kill() {
      server?.forceShutdown();
      server = undefined;
    },
    async restart() {
      await listen(actualPort);
    },
  };
}
