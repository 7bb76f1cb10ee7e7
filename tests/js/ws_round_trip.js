// mqtt.js over WebSocket: connects to URL (ws:// or wss://), subscribes to TOPIC/#, publishes COUNT
// messages at each QoS 0, 1 and 2 to TOPIC/<qos>, and prints one JSON line per message received,
// then "done". Exits 1 on an error or when not everything came back within the timeout.
//
//   node ws_round_trip.js URL TOPIC COUNT [CA_FILE] [PROTOCOL_VERSION]
//
// With a CA file the server certificate is verified against it; driven by
// tests/integration/test_websocket.py.
'use strict';
const fs = require('fs');
const mqtt = require('mqtt');

const [url, topic, countText, caFile, version] = process.argv.slice(2);
const count = Number(countText);
const options = {
  clientId: 'mqttjs-' + process.pid,
  protocolVersion: Number(version || 4),
  reconnectPeriod: 0,
  connectTimeout: 5000,
};
if (caFile) {
  options.ca = fs.readFileSync(caFile);
  options.rejectUnauthorized = true;
}

const fail = (why) => {
  console.error(why);
  process.exit(1);
};
const timer = setTimeout(() => fail('timed out'), 10000);

const client = mqtt.connect(url, options);
let received = 0;
client.on('error', (e) => fail('error: ' + e.message));
client.on('message', (t, payload, packet) => {
  console.log(JSON.stringify({topic: t, payload: payload.toString(), qos: packet.qos}));
  if (++received === 3 * count) {
    clearTimeout(timer);
    client.end(false, () => {
      console.log('done');
      process.exit(0);
    });
  }
});
client.on('connect', () => {
  client.subscribe(topic + '/#', {qos: 2}, (err) => {
    if (err) fail('subscribe: ' + err.message);
    for (const qos of [0, 1, 2]) {
      for (let i = 0; i < count; i++) client.publish(`${topic}/${qos}`, `m${i}`, {qos});
    }
  });
});
