class WebSocketClient {
    constructor(url, options = {}) {
        this.url = url;
        this.reconnectInterval = options.reconnectInterval || 3000;
        this.maxReconnectAttempts = options.maxReconnectAttempts || 10;
        this.reconnectAttempts = 0;
        this.handlers = {};
        this.connect();
    }

    connect() {
        this.ws = new WebSocket(this.url);

        this.ws.onopen = () => {
            console.log('Connected');
            this.reconnectAttempts = 0;
            this.trigger('open');
        };

        this.ws.onmessage = (event) => {
            const message = JSON.parse(event.data);
            this.trigger('message', message);
            this.trigger(message.type, message);
        };

        this.ws.onclose = () => {
            this.trigger('close');
            this.reconnect();
        };

        this.ws.onerror = (error) => {
            this.trigger('error', error);
        };
    }

    reconnect() {
        if (this.reconnectAttempts >= this.maxReconnectAttempts) {
            console.log('Max reconnect attempts reached');
            return;
        }

        this.reconnectAttempts++;
        console.log(`Reconnecting... (${this.reconnectAttempts})`);
        setTimeout(() => this.connect(), this.reconnectInterval);
    }

    send(data) {
        if (this.ws.readyState === WebSocket.OPEN) {
            this.ws.send(JSON.stringify(data));
        }
    }

    on(event, handler) {
        if (!this.handlers[event]) {
            this.handlers[event] = [];
        }
        this.handlers[event].push(handler);
    }

    trigger(event, data) {
        if (this.handlers[event]) {
            this.handlers[event].forEach(handler => handler(data));
        }
    }

    close() {
        this.maxReconnectAttempts = 0;  // 禁止重连
        this.ws.close();
    }
}

// 使用示例
const client = new WebSocketClient('ws://localhost:8889/api/ws/connect?user_id=user123');

client.on('open', () => {
    console.log('Connected!');
});

client.on('notification', (msg) => {
    alert(msg.content);
});

client.on('chat', (msg) => {
    console.log(`${msg.from}: ${msg.content}`);
});

// 发送消息
client.send({
    type: 'chat',
    to: 'user456',
    content: 'Hello!'
});
