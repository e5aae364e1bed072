// Who is editing this graph now: one chip per person (you first); clicking someone follows their view.
import { For } from "solid-js";
import { useEditor } from "../editorContext.ts";

const initials = (name: string) =>
  name
    .split(/\s+/)
    .map((word) => word[0] ?? "")
    .join("")
    .slice(0, 2)
    .toUpperCase();

export function PresenceList() {
  const editor = useEditor();
  const { presence } = editor;
  return (
    <ul class="presence-list" aria-label="People here" data-presence-count={presence.peers().length + 1}>
      <li>
        <span
          class="presence-chip me"
          style={{ "--peer-color": presence.me.color }}
          title={`You (${presence.me.name})`}
          data-presence-me={presence.me.name}
        >
          {initials(presence.me.name)}
        </span>
      </li>
      <For each={presence.peers()}>
        {(peer) => {
          const followed = () => presence.following() === peer.clientId;
          return (
            <li>
              <button
                type="button"
                class="presence-chip"
                classList={{ following: followed() }}
                style={{ "--peer-color": peer.color }}
                data-presence-user={peer.name}
                aria-pressed={followed()}
                aria-label={followed() ? `Stop following ${peer.name}` : `Follow ${peer.name}'s view`}
                title={
                  followed() ? `Following ${peer.name}: click to stop` : `${peer.name}: click to follow their view`
                }
                onClick={() => presence.follow(followed() ? undefined : peer.clientId)}
              >
                {initials(peer.name)}
              </button>
            </li>
          );
        }}
      </For>
    </ul>
  );
}
