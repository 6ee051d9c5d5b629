import { ref, onMounted, onUnmounted } from 'vue';

export function useWebSocket(token) {
  const ws = ref(null);
  const isConnected = ref(false);
  const messages = ref([]);
  const onlineCount = ref(0);

  const connect = () => {
    if (!token.value) return;

    ws.value = new WebSocket(
      `ws://localhost:8000/api/v1/ws?token=${token.value}`
    );

    ws.value.onopen = () => {
      isConnected.value = true;
      
      // 心跳
      const pingInterval = setInterval(() => {
        if (ws.value?.readyState === WebSocket.OPEN) {
          ws.value.send(JSON.stringify({
            type: 'ping',
            timestamp: new Date().toISOString()
          }));
        }
      }, 30000);

      ws.value.pingInterval = pingInterval;
    };

    ws.value.onmessage = (event) => {
      const message = JSON.parse(event.data);
      
      if (message.type === 'connected') {
        onlineCount.value = message.data.online_count;
      } else if (message.type === 'notification') {
        messages.value.push(message);
      }
      // ... 其他消息处理
    };

    ws.value.onclose = () => {
      isConnected.value = false;
      if (ws.value?.pingInterval) {
        clearInterval(ws.value.pingInterval);
      }
    };
  };

  const sendMessage = (message) => {
    if (ws.value?.readyState === WebSocket.OPEN) {
      ws.value.send(JSON.stringify(message));
    }
  };

  onMounted(() => {
    connect();
  });

  onUnmounted(() => {
    if (ws.value?.pingInterval) {
      clearInterval(ws.value.pingInterval);
    }
    ws.value?.close();
  });

  return {
    isConnected,
    messages,
    onlineCount,
    sendMessage
  };
}
