// A Weft plugin: `weft worker --plugin <this folder>` loads the node specs exported here. It needs no
// dependency on Weft: a spec is a plain object (see docs/plugins.md for every field).

/** Upper-cases text: the whole message value, or one field of it. */
const uppercase = {
  // The type name the palette and graphs use; prefix it with your organisation to avoid clashes ("acme/uppercase").
  type: "uppercase",
  // Bump it whenever anything below changes (ports, params, labels, descriptions).
  version: "1.0.0",
  title: "Uppercase",
  // Where the palette lists it: "source", "processing", "sink", or your own category.
  category: "processing",
  description:
    "Upper-cases text. With no field set, each message value must be a string and its upper-case form is " +
    "emitted on `out`. With a field set, each value must be an object whose field holds a string: the same " +
    "object is emitted on `out` with that field upper-cased. Any other value fails the message (it goes to `error`).",
  ports: { in: ["in"], out: ["out"] },
  params: {
    field: {
      type: "text",
      title: "Field",
      description:
        "Name of the field to upper-case in each message value (an object), e.g. `name`. " +
        "Leave empty to upper-case the whole value, which must then be a string.",
      default: "",
      maxLength: 200,
    },
  },
  create() {
    let ctx;
    return {
      start(context) {
        ctx = context;
      },
      onMessage(message) {
        const field = ctx.params.field;
        const value = message.value;
        if (field === "") {
          if (typeof value !== "string") {
            throw new TypeError(`uppercase: the value must be a string when "field" is empty, got ${show(value)}`);
          }
          ctx.emit("out", value.toUpperCase());
          return;
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
          throw new TypeError(`uppercase: the value must be an object with a "${field}" field, got ${show(value)}`);
        }
        const text = value[field];
        if (typeof text !== "string") {
          throw new TypeError(`uppercase: field "${field}" must hold a string, got ${show(text)}`);
        }
        // Keep the message key so downstream grouping still works.
        ctx.emit("out", { ...value, [field]: text.toUpperCase() }, message.key ? { key: message.key } : undefined);
      },
    };
  },
};

function show(value) {
  if (value === undefined) return "nothing";
  return JSON.stringify(value).slice(0, 60);
}

export default [uppercase];
