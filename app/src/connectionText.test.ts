import { describe, expect, it } from "vitest";
import { connectionText, dataConnection } from "./connectionText.ts";

describe("connectionText", () => {
  it("offline with the graph on this device: N changes saved on this device", () => {
    expect(connectionText("offline", 3, true)).toMatchObject({
      label: "Offline",
      detail: " — 3 changes saved on this device",
    });
    expect(connectionText("offline", 1, true).detail).toBe(" — 1 change saved on this device");
    expect(connectionText("offline", 0, true).detail).toBe(" — saved on this device");
    expect(connectionText("offline", 0, true).title).toContain("saved in this browser");
  });

  it("without a copy on this device the changes are only unsynced, kept while the tab is open", () => {
    const text = connectionText("offline", 2, false);
    expect(text.detail).toBe(" · 2 unsynced changes");
    expect(text.title).toContain("keep this tab open");
  });

  it("says nothing extra when connected and in sync", () => {
    expect(connectionText("connected", 0, true)).toEqual({ label: "Connected", detail: "", title: undefined });
  });

  it("keeps the test hook's four values", () => {
    expect(dataConnection("offline")).toBe("offline");
    expect(dataConnection("connected")).toBe("connected");
    expect(dataConnection("syncing")).toBe("connecting");
    expect(dataConnection("reset")).toBe("connecting");
    expect(dataConnection("deleted")).toBe("closed");
    expect(dataConnection("expired")).toBe("closed");
  });
});
