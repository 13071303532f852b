// Exact JSON for the page: numbers are kept as their text (an ExactNumber), never as a double,
// so 19.90 stays 19.90 and 12345678901234567890123 keeps every digit. JSON.parse would round
// both. Also applies RFC 6902 patches to such values (what a change event carries).
'use strict';
(function (global) {
  class ExactNumber {
    constructor(text) {
      if (!ExactNumber.SYNTAX.test(text)) throw new SyntaxError(`not a JSON number: ${text}`);
      this.text = text;
    }
    toString() { return this.text; }
  }
  ExactNumber.SYNTAX = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

  // JSON objects are built without a prototype and their members set as own properties, so a
  // key such as "__proto__" or "constructor" in content (any editor can add one) is content like
  // any other: never a way to reach or change Object.prototype in a co-editor's page.
  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const setMember = (object, key, value) =>
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  const isObject = (node) => node !== null && typeof node === 'object' && !Array.isArray(node) && !(node instanceof ExactNumber);
  const INDEX = /^(0|[1-9][0-9]*)$/;

  // The member `token` of an array or object, or undefined: own members only (never an inherited
  // one, nor an array's "length").
  function member(node, token) {
    if (Array.isArray(node)) return INDEX.test(token) && Number(token) < node.length ? node[Number(token)] : undefined;
    return isObject(node) && hasOwn(node, token) ? node[token] : undefined;
  }

  // A small recursive-descent parser; strings are decoded by JSON.parse (exact for strings).
  function parse(text) {
    let i = 0;
    const fail = () => { throw new SyntaxError(`bad JSON at ${i}`); };
    const space = () => { while (i < text.length && ' \t\r\n'.includes(text[i])) i++; };
    function value() {
      space();
      const c = text[i];
      if (c === '{') {
        i++;
        const object = Object.create(null);
        space();
        if (text[i] === '}') { i++; return object; }
        for (;;) {
          space();
          if (text[i] !== '"') fail();
          const key = string();
          space();
          if (text[i++] !== ':') fail();
          setMember(object, key, value());
          space();
          if (text[i] === ',') { i++; continue; }
          if (text[i++] === '}') return object;
          fail();
        }
      }
      if (c === '[') {
        i++;
        const array = [];
        space();
        if (text[i] === ']') { i++; return array; }
        for (;;) {
          array.push(value());
          space();
          if (text[i] === ',') { i++; continue; }
          if (text[i++] === ']') return array;
          fail();
        }
      }
      if (c === '"') return string();
      const literal = /^(true|false|null|-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(text.slice(i, i + 400));
      if (!literal) fail();
      i += literal[0].length;
      if (literal[0] === 'true') return true;
      if (literal[0] === 'false') return false;
      if (literal[0] === 'null') return null;
      return new ExactNumber(literal[0]);
    }
    function string() {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      if (i >= text.length) fail();
      i++;
      return JSON.parse(text.slice(start, i));
    }
    const result = value();
    space();
    if (i !== text.length) fail();
    return result;
  }

  function stringify(value) {
    if (value instanceof ExactNumber) return value.text;
    if (Array.isArray(value)) return '[' + value.map(stringify).join(',') + ']';
    if (value !== null && typeof value === 'object') {
      return '{' + Object.keys(value).map((k) => JSON.stringify(k) + ':' + stringify(value[k])).join(',') + '}';
    }
    if (typeof value === 'number') throw new TypeError('use ExactNumber for numbers');
    return JSON.stringify(value);
  }

  // Structural equality, objects regardless of key order; numbers by their text.
  function equal(a, b) {
    if (a instanceof ExactNumber || b instanceof ExactNumber) {
      return a instanceof ExactNumber && b instanceof ExactNumber && a.text === b.text;
    }
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, k) => equal(x, b[k]));
    }
    if (a && b && typeof a === 'object' && typeof b === 'object') {
      const keys = Object.keys(a);
      return keys.length === Object.keys(b).length && keys.every((k) => Object.prototype.hasOwnProperty.call(b, k) && equal(a[k], b[k]));
    }
    return a === b;
  }

  const clone = (value) => parse(stringify(value));
  const tokens = (pointer) => pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));

  // The value at a JSON Pointer (or its list of tokens), or undefined.
  function walk(node, path) {
    for (const token of path) {
      node = member(node, token);
      if (node === undefined) return undefined;
    }
    return node;
  }
  const get = (doc, pointer) => walk(doc, tokens(pointer));

  // RFC 6902 on exact values. The patches come from Postgres, which already applied them to the
  // same content, so this is only the page's copy catching up; any failure makes the page re-read.
  function applyPatch(doc, patch) {
    let root = clone(doc);
    const locate = (pointer) => {
      const t = tokens(pointer);
      const key = t.pop();
      const parent = walk(root, t);
      if (!Array.isArray(parent) && !isObject(parent)) throw new Error(`no parent for ${pointer}`);
      return [parent, key];
    };
    const put = (pointer, value, insert) => {
      if (pointer === '') { root = value; return; }
      const [parent, key] = locate(pointer);
      if (Array.isArray(parent)) {
        const index = key === '-' ? parent.length : INDEX.test(key) ? Number(key) : NaN;
        if (!(index <= parent.length - (insert ? 0 : 1))) throw new Error(`bad index in ${pointer}`);
        parent.splice(index, insert ? 0 : 1, value);
      } else {
        setMember(parent, key, value);
      }
    };
    const take = (pointer) => {
      const [parent, key] = locate(pointer);
      if (member(parent, key) === undefined) throw new Error(`nothing at ${pointer}`);
      if (Array.isArray(parent)) return parent.splice(Number(key), 1)[0];
      const value = parent[key];
      delete parent[key];
      return value;
    };
    for (const op of patch) {
      switch (op.op) {
        case 'add': put(op.path, clone(op.value), true); break;
        case 'replace': if (get(root, op.path) === undefined) throw new Error(`nothing at ${op.path}`); put(op.path, clone(op.value), false); break;
        case 'remove': take(op.path); break;
        case 'move': { const value = take(op.from); put(op.path, value, true); break; }
        case 'copy': put(op.path, clone(get(root, op.from)), true); break;
        case 'test': if (!equal(get(root, op.path), op.value)) throw new Error(`test failed at ${op.path}`); break;
        default: throw new Error(`unknown op ${op.op}`);
      }
    }
    return root;
  }

  global.ExactJSON = { ExactNumber, parse, stringify, equal, get, applyPatch };
})(typeof window !== 'undefined' ? window : globalThis);
