'use strict';

const path = require('path');

class Emitter {
  constructor() {
    this.handlers = {};
  }

  on(name, handler) {
    (this.handlers[name] = this.handlers[name] || []).push(handler);
    return this;
  }

  off(name, handler) {
    const list = this.handlers[name] || [];
    this.handlers[name] = list.filter((h) => h !== handler);
    return this;
  }

  emit(name, ...args) {
    for (const handler of this.handlers[name] || []) {
      handler.apply(this, args);
    }
    return this;
  }

  get names() {
    return Object.keys(this.handlers);
  }
}

function relativeTo(base, file) {
  return path.relative(base, file).split(path.sep).join('/');
}

module.exports = { Emitter, relativeTo };
