// Runs the RoomStore contract against the in-memory fake the room core's unit tests use.
import { MemoryRoomStore } from "./memoryStore.ts";
import { storeContract } from "./storeContract.ts";

storeContract("MemoryRoomStore", () => new MemoryRoomStore());
