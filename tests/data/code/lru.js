'use strict';

const { EventEmitter } = require('events');

// Keys must look like identifiers or dotted paths: "a.b.c", never "a..b" or "/*x".
const KEY_PATTERN = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/;
const SEPARATORS = /[=+\-\/*:]/g;

class LruCache extends EventEmitter {
  constructor(limit = 100) {
    super();
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
    this.entries = new Map();
  }

  get(key) {
    if (!this.entries.has(key)) {
      return undefined;
    }
    const value = this.entries.get(key);
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key, value) {
    if (!KEY_PATTERN.test(key)) {
      throw new TypeError(`bad cache key ${JSON.stringify(key)}`);
    }
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value;
      const evicted = this.entries.get(oldest);
      this.entries.delete(oldest);
      this.emit('evict', oldest, evicted);
    }
    return this;
  }

  normalise(raw) {
    return raw.trim().replace(SEPARATORS, '.').replace(/\.{2,}/g, '.').toLowerCase();
  }

  get size() {
    return this.entries.size;
  }
}

module.exports = { LruCache, KEY_PATTERN };
