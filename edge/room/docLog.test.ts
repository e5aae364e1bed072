// The DocLog contract against the in-memory log; test/sqlContract runs it against real Durable Object SQLite.
import { MemoryDocLog } from "./docLog.ts";
import { docLogContract } from "./docLogContract.ts";

docLogContract("MemoryDocLog", (fail) => new MemoryDocLog(fail));
