// The `grpc` node: a client of gofi's Send stream. Each message goes out as one GofiMessage; the answer that
// follows it in the stream is emitted on `out`, and the message is acknowledged once it has come.
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { GofiConnection } from "./connection.ts";
import type { GofiMessage } from "./gofiProto.ts";
import { decodeAnswer, ENCODING_HEADER, encodeRequest } from "./payload.ts";

/** Longest key a Weft message may carry (shared/protocol.ts messageSchema). */
const MAX_KEY_CHARS = 256;

interface Settings {
  address: string;
  tls: boolean;
  timeoutMs: number;
  connectTimeoutMs: number;
}

const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** The checked settings, or an error naming the param (the process then crashes with it). */
export function grpcSettings(params: NodeContext["params"]): Settings {
  const address = String(params.address ?? "").trim();
  const port = ADDRESS.exec(address)?.[1];
  if (port === undefined || Number(port) < 1 || Number(port) > 65_535) {
    throw new Error(
      `grpc: address ${JSON.stringify(address.slice(0, 200))} must be host:port, such as localhost:50051 or [::1]:50051`,
    );
  }
  return {
    address,
    tls: params.tls === true,
    timeoutMs: Number(params.timeout),
    connectTimeoutMs: Number(params.connectTimeout),
  };
}

export const grpcNode: NodeImpl = {
  def: builtinType("grpc"),
  create() {
    let ctx: NodeContext | undefined;
    let settings: Settings | undefined;
    let connection: GofiConnection | undefined;

    /** Emits one answer on out; false when the context refused it. */
    const emitAnswer = (context: NodeContext, answer: GofiMessage): { ok: boolean; why?: string } => {
      const { key, value, encoding } = decodeAnswer(answer);
      if (key !== undefined && key.length > MAX_KEY_CHARS) {
        return { ok: false, why: `its key is ${key.length} characters; a message key has at most ${MAX_KEY_CHARS}` };
      }
      const emitted = context.emit("out", value, {
        ...(key === undefined ? {} : { key }),
        headers: { [ENCODING_HEADER]: encoding },
      });
      return emitted ? { ok: true } : { ok: false, why: "out refused it (too large, or the node is stopping)" };
    };

    return {
      async start(context) {
        settings = grpcSettings(context.params);
        ctx = context;
        const { address, tls, connectTimeoutMs } = settings;
        try {
          connection = new GofiConnection({
            address,
            tls,
            log: context.log,
            onStray: (answer) => {
              const result = emitAnswer(context, answer);
              context.log.warn(
                { address, key: answer.key, emitted: result.ok },
                "grpc: the service sent a message no request was waiting for; it is emitted as it is",
              );
            },
          });
        } catch (error) {
          throw new Error(`grpc: cannot use address ${address}: ${(error as Error).message}`);
        }
        await connection.connect(connectTimeoutMs);
        if (context.signal.aborted) connection.close();
      },

      async onMessage(message) {
        if (!ctx || !settings || !connection) throw new Error("grpc: not started");
        const answer = await connection.request(message.id, encodeRequest(message), settings.timeoutMs);
        const result = emitAnswer(ctx, answer);
        if (!result.ok) {
          throw new Error(
            `grpc: the answer from ${settings.address} to message ${message.id} could not be emitted: ${result.why}`,
          );
        }
      },

      stop() {
        connection?.close();
      },
    };
  },
};
