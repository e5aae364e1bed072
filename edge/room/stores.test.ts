// Runs the storage contracts against the in-memory fakes the room's unit tests use (SQLite: test/sqlContract).
import { MemoryLeaderStore } from "./leaderStore.ts";
import { leaderStoreContract } from "./leaderStoreContract.ts";
import { MemoryQueueStore } from "./queueStore.ts";
import { queueStoreContract } from "./queueStoreContract.ts";

leaderStoreContract("MemoryLeaderStore", () => new MemoryLeaderStore());
queueStoreContract("MemoryQueueStore", () => new MemoryQueueStore());
