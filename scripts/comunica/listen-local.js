// Loaded with `node --require` by tests/stores.py: every server of the process (and of its worker
// processes, which inherit NODE_OPTIONS) listens on 127.0.0.1 only. Comunica's SPARQL endpoint
// (comunica-sparql-file-http) has no option for the address and would listen on all interfaces.
'use strict';
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && (args.length === 1 || typeof args[1] === 'function')) {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
