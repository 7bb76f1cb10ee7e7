// mqtt.js inside headless Chromium (driven by playwright-core): the browser's own WebSocket
// connects to URL, subscribes to TOPIC/#, publishes COUNT messages at QoS 1 and prints the
// payloads it received as one JSON array. Exits 1 on an error or a timeout.
//
//   node browser_round_trip.js URL TOPIC COUNT
//
// Driven by tests/integration/test_websocket.py; Chromium is Debian's /usr/bin/chromium.
'use strict';
const path = require('path');
const {chromium} = require('playwright-core');

const [url, topic, countText] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: ['--no-sandbox']});
  try {
    const page = await browser.newPage();
    await page.addScriptTag({path: path.join(__dirname, 'node_modules/mqtt/dist/mqtt.min.js')});
    const received = await page.evaluate(
        ({url, topic, count}) => new Promise((resolve, reject) => {
          const client = mqtt.connect(url, {reconnectPeriod: 0, connectTimeout: 5000});
          const got = [];
          setTimeout(() => reject(new Error('timed out with ' + got.length)), 10000);
          client.on('error', (e) => reject(new Error(e.message)));
          client.on('message', (t, payload) => {
            got.push(payload.toString());
            if (got.length === count) client.end(false, () => resolve(got));
          });
          client.on('connect', () => {
            client.subscribe(topic + '/#', {qos: 1}, (err) => {
              if (err) return reject(err);
              for (let i = 0; i < count; i++) client.publish(topic + '/x', 'b' + i, {qos: 1});
            });
          });
        }),
        {url, topic, count: Number(countText)});
    console.log(JSON.stringify(received));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
