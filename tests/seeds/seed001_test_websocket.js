const WebSocket = require('ws');

const token = "YOUR_TOKEN_HERE"; // 替恢为实际 token
const ws = new WebSocket(`ws://localhost:8080/ws?token=${token}`);

ws.on('open', () => {
  console.log('✅ WebSocket 连接成功');
});

ws.on('message', (data) => {
  console.log('📨 收到新消息:', data.toString());
  const message = JSON.parse(data.toString());
  console.log('消息详情:', JSON.stringify(message, null, 2));
});

ws.on('error', (error) => {
  console.error('❌ WebSocket 错误:', error);
});

ws.on('close', () => {
  console.log('🔌 WebSocket 连接已关遗');
});
