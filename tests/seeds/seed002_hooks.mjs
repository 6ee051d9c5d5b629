// SPDX-License-Identifier: MIT
// Runs seed 002's React or Vue hook (the verbatim copies beside this file) under Node.js with
// --experimental-websocket: only the hook's URL is filled in; React and Vue are replaced by
// minimal stand-ins (state that re-renders the hook, effects, callbacks; refs and mount hooks),
// so the seed's own onopen/onmessage code runs against a live server.
//
//   node --experimental-websocket seed002_hooks.mjs react|vue <hook copy> <ws://host:port> <token>
//
// Prints `state {...}` whenever the hook's state changes, `message {...}` for each message the
// hook keeps, and whatever the hook logs itself. Reads commands from stdin: `ping` sends the
// seed's ping through the hook's own sendMessage, `unmount` runs the hook's clean-up.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const [kind, copyPath, baseUrl, token] = process.argv.slice(2);
const SEED_URL = 'ws://localhost:8000';
const code = readFileSync(copyPath, 'utf8');
if (!code.includes(SEED_URL)) {
    console.log(`error: ${copyPath} has no ${SEED_URL}`);
    process.exit(2);
}
const filled = code.split(SEED_URL).join(baseUrl);

// The browser's Notification API, as a line on stdout.
globalThis.Notification = class {
    static permission = 'granted';
    constructor(title, options) {
        console.log(`notification: ${title}: ${options.body}`);
    }
};

let lastState = '';
let keptMessages = 0;
function report(state) {
    const messages = state.messages;
    for (; keptMessages < messages.length; ++keptMessages)
        console.log('message ' + JSON.stringify(messages[keptMessages]));
    const line = JSON.stringify({
        isConnected: state.isConnected,
        onlineCount: state.onlineCount,
        messages: messages.length,
    });
    if (line !== lastState) {
        lastState = line;
        console.log('state ' + line);
    }
}

let api; // what the hook returned at its last render
let unmount;

if (kind === 'react') {
    // The hook and its helper, from the block's text (the usage example after them is JSX).
    const start = filled.indexOf('function useWebSocket(token) {');
    const end = filled.indexOf('// 使用示例');
    if (start < 0 || end < start) {
        console.log('error: no useWebSocket in the React block');
        process.exit(2);
    }
    // A minimal React: hook slots by call order, a re-render after each state change, effects
    // run after the render when their dependencies changed (clean-up of the previous run first).
    const slots = [];
    let cursor = 0;
    let pending = [];
    let scheduled = false;
    const same = (a, b) =>
        a && b && a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
    const useState = (initial) => {
        const i = cursor++;
        if (!(i in slots))
            slots[i] = { value: initial };
        const slot = slots[i];
        const set = (next) => {
            slot.value = typeof next === 'function' ? next(slot.value) : next;
            schedule();
        };
        return [slot.value, set];
    };
    const useEffect = (effect, deps) => {
        const i = cursor++;
        const previous = slots[i];
        if (previous && same(previous.deps, deps))
            return;
        const next = { deps, cleanup: undefined };
        slots[i] = next;
        pending.push(() => {
            if (previous && typeof previous.cleanup === 'function')
                previous.cleanup();
            next.cleanup = effect();
        });
    };
    const useCallback = (fn, deps) => {
        const i = cursor++;
        const previous = slots[i];
        if (previous && same(previous.deps, deps))
            return previous.fn;
        slots[i] = { fn, deps };
        return fn;
    };
    const useWebSocket = new Function('useState', 'useEffect', 'useCallback',
                                      filled.slice(start, end) + '\nreturn useWebSocket;')(
        useState, useEffect, useCallback);
    const render = () => {
        scheduled = false;
        cursor = 0;
        api = useWebSocket(token);
        const effects = pending;
        pending = [];
        for (const run of effects)
            run();
        report(api);
    };
    const schedule = () => {
        if (!scheduled) {
            scheduled = true;
            queueMicrotask(render);
        }
    };
    render();
    unmount = () => slots.forEach((s) => typeof s?.cleanup === 'function' && s.cleanup());
} else if (kind === 'vue') {
    // The block is an ES module importing 'vue': a stand-in package beside a copy of it.
    const dir = mkdtempSync(join(tmpdir(), 'seed002-vue-'));
    mkdirSync(join(dir, 'node_modules', 'vue'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'vue', 'package.json'),
                  JSON.stringify({ name: 'vue', type: 'module', main: 'index.js' }));
    writeFileSync(join(dir, 'node_modules', 'vue', 'index.js'),
                  'export const ref = (v) => globalThis.vueStandIn.ref(v);\n'
                      + 'export const onMounted = (f) => globalThis.vueStandIn.mounted.push(f);\n'
                      + 'export const onUnmounted = (f) => globalThis.vueStandIn.unmounted.push(f);\n');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(join(dir, 'hook.js'), filled);
    const vue = { mounted: [], unmounted: [], ref: (value) => ({ value }) };
    globalThis.vueStandIn = vue;
    const { useWebSocket } = await import(pathToFileURL(join(dir, 'hook.js')).href);
    const state = useWebSocket(vue.ref(token));
    vue.mounted.forEach((f) => f());
    // Vue would re-render on a change of a ref: a look every 20 ms is enough here.
    const look = () =>
        report({
            isConnected: state.isConnected.value,
            onlineCount: state.onlineCount.value,
            messages: state.messages.value,
        });
    const timer = setInterval(look, 20);
    api = state;
    unmount = () => {
        clearInterval(timer);
        vue.unmounted.forEach((f) => f());
    };
} else {
    console.log(`error: unknown hook '${kind}' (react or vue)`);
    process.exit(2);
}

createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'ping')
        api.sendMessage({ type: 'ping', timestamp: new Date().toISOString() });
    else if (line === 'unmount')
        unmount();
});
