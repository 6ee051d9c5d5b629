import { useEffect, useState, useCallback } from 'react';

function useWebSocket(token) {
  const [ws, setWs] = useState(null);
  const [isConnected, setIsConnected] = useState(false);
  const [messages, setMessages] = useState([]);
  const [onlineCount, setOnlineCount] = useState(0);

  useEffect(() => {
    if (!token) return;

    // 建立连接
    const websocket = new WebSocket(
      `ws://localhost:8000/api/v1/ws?token=${token}`
    );

    websocket.onopen = () => {
      console.log('WebSocket 连接成功');
      setIsConnected(true);
      
      // 开始心跳
      const pingInterval = setInterval(() => {
        if (websocket.readyState === WebSocket.OPEN) {
          websocket.send(JSON.stringify({
            type: 'ping',
            timestamp: new Date().toISOString()
          }));
        }
      }, 30000);

      // 保存 interval ID 以便清理
      websocket.pingInterval = pingInterval;
    };

    websocket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      
      switch (message.type) {
        case 'connected':
          setOnlineCount(message.data.online_count);
          break;
        
        case 'notification':
          // 显示通知
          showNotification(message.data.title, message.data.message);
          setMessages(prev => [...prev, message]);
          break;
        
        case 'user_status':
          // 更新用户状态
          if (message.data.status === 'online') {
            setOnlineCount(prev => prev + 1);
          } else {
            setOnlineCount(prev => prev - 1);
          }
          break;
        
        case 'chat':
          // 处理聊天消息
          setMessages(prev => [...prev, message]);
          break;
        
        case 'pong':
          // 心跳响应
          console.log('Pong received');
          break;
        
        case 'error':
          console.error('WebSocket 错误:', message.message);
          break;
        
        default:
          console.log('未知消息类型:', message.type);
      }
    };

    websocket.onclose = (event) => {
      console.log('WebSocket 连接关闭:', event.code);
      setIsConnected(false);
      
      // 清理心跳
      if (websocket.pingInterval) {
        clearInterval(websocket.pingInterval);
      }
      
      // 尝试重连（可选）
      if (event.code !== 1000) {  // 非正常关闭
        setTimeout(() => {
          console.log('尝试重连...');
          // 重连逻辑
        }, 5000);
      }
    };

    websocket.onerror = (error) => {
      console.error('WebSocket 错误:', error);
    };

    setWs(websocket);

    // 清理
    return () => {
      if (websocket.pingInterval) {
        clearInterval(websocket.pingInterval);
      }
      websocket.close();
    };
  }, [token]);

  const sendMessage = useCallback((message) => {
    if (ws && ws.readyState === WebSocket.OPEN) {
      ws.send(JSON.stringify(message));
    }
  }, [ws]);

  const setTyping = useCallback((isTyping, context) => {
    sendMessage({
      type: 'typing',
      data: { is_typing: isTyping, context }
    });
  }, [sendMessage]);

  const setPresence = useCallback((status, data = {}) => {
    sendMessage({
      type: 'presence',
      status,
      data
    });
  }, [sendMessage]);

  return {
    isConnected,
    messages,
    onlineCount,
    sendMessage,
    setTyping,
    setPresence
  };
}

function showNotification(title, message) {
  // 使用浏览器通知 API
  if (Notification.permission === 'granted') {
    new Notification(title, { body: message });
  }
}

// 使用示例
function App() {
  const token = localStorage.getItem('access_token');
  const { isConnected, messages, onlineCount, setTyping } = useWebSocket(token);

  return (
    <div>
      <h1>WebSocket 演示</h1>
      <p>连接状态: {isConnected ? '已连接' : '未连接'}</p>
      <p>在线用户: {onlineCount}</p>
      
      <div>
        <h2>消息列表</h2>
        {messages.map((msg, idx) => (
          <div key={idx}>
            {msg.type === 'notification' && (
              <div>
                <strong>{msg.data.title}</strong>: {msg.data.message}
              </div>
            )}
          </div>
        ))}
      </div>
      
      <input
        type="text"
        onFocus={() => setTyping(true, 'main')}
        onBlur={() => setTyping(false, 'main')}
        placeholder="开始输入..."
      />
    </div>
  );
}
