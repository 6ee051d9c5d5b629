<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Connection</name>
    <message>
        <source>Login refused for %1 (HTTP %2): %3</source>
        <translation>%1 登录被拒绝（HTTP %2）：%3</translation>
    </message>
    <message>
        <source>Cannot reach the server at %1: %2</source>
        <translation>无法访问服务器 %1：%2</translation>
    </message>
    <message>
        <source>The server refused the token: %1</source>
        <translation>服务器拒绝了令牌：%1</translation>
    </message>
    <message>
        <source>Cannot connect to %1: %2</source>
        <translation>无法连接到 %1：%2</translation>
    </message>
    <message>
        <source>The token expired (close %1): %2</source>
        <translation>令牌已过期（关闭码 %1）：%2</translation>
    </message>
    <message>
        <source>The server refused the credentials (close %1): %2</source>
        <translation>服务器拒绝了凭据（关闭码 %1）：%2</translation>
    </message>
    <message>
        <source>Disconnected by an operator (close %1): %2</source>
        <translation>已被管理员断开（关闭码 %1）：%2</translation>
    </message>
    <message>
        <source>Connection lost (close %1%2)</source>
        <translation>连接中断（关闭码 %1%2）</translation>
    </message>
    <message>
        <source>No welcome from %1 within %2 s</source>
        <translation>%2 秒内未收到 %1 的欢迎帧</translation>
    </message>
    <message>
        <source>not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>the text is %1 characters long; the server takes at most %2 (max_content_chars): not sent</source>
        <translation>文本长 %1 个字符；服务器最多接受 %2 个（max_content_chars）：未发送</translation>
    </message>
    <message>
        <source>the frame is %1 bytes; the server takes at most %2 (max_frame_bytes): not sent</source>
        <translation>帧大小为 %1 字节；服务器最多接受 %2 字节（max_frame_bytes）：未发送</translation>
    </message>
    <message>
        <source>the frame is %1 bytes; the server closed the connection (1009, too large) for one of %2: not sent</source>
        <translation>帧大小为 %1 字节；服务器曾因一个 %2 字节的帧关闭连接（1009，过大）：未发送</translation>
    </message>
</context>
<context>
    <name>EventDescriber</name>
    <message>
        <source>Session</source>
        <translation>会话</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Presence</source>
        <translation>在线状态</translation>
    </message>
    <message>
        <source>Room</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>Broadcast</source>
        <translation>广播</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>操作员</translation>
    </message>
    <message>
        <source>%1 connected from %2 with %3 (connection %4)</source>
        <translation>%1 从 %2 通过 %3 连接（连接 %4）</translation>
    </message>
    <message>
        <source>Connection %1 of %2 closed (code %3%4)</source>
        <translation>%2 的连接 %1 已关闭（关闭码 %3%4）</translation>
    </message>
    <message>
        <source>%1 is now %2</source>
        <translation>%1 现在%2</translation>
    </message>
    <message>
        <source>Account %1 was disabled</source>
        <translation>账户 %1 已被停用</translation>
    </message>
    <message>
        <source>Room %1 created</source>
        <translation>已创建房间 %1</translation>
    </message>
    <message>
        <source>Room %1 updated</source>
        <translation>已更新房间 %1</translation>
    </message>
    <message>
        <source>Room %1 deleted</source>
        <translation>已删除房间 %1</translation>
    </message>
    <message>
        <source>%1 joined room %2</source>
        <translation>%1 加入了房间 %2</translation>
    </message>
    <message>
        <source>%1 left room %2</source>
        <translation>%1 离开了房间 %2</translation>
    </message>
    <message>
        <source>notification</source>
        <translation>通知</translation>
    </message>
    <message>
        <source>system message</source>
        <translation>系统消息</translation>
    </message>
    <message>
        <source>Error %1 sent to %2 (connection %3)</source>
        <translation>向 %2 发送了错误 %1（连接 %3）</translation>
    </message>
    <message>
        <source>Message to %1</source>
        <translation>发消息给 %1</translation>
    </message>
    <message>
        <source>Disconnect %1</source>
        <translation>断开 %1</translation>
    </message>
    <message>
        <source>Disable account %1</source>
        <translation>停用账户 %1</translation>
    </message>
    <message>
        <source>Enable account %1</source>
        <translation>启用账户 %1</translation>
    </message>
    <message>
        <source>Create room %1</source>
        <translation>创建房间 %1</translation>
    </message>
    <message>
        <source>Change room %1</source>
        <translation>修改房间 %1</translation>
    </message>
    <message>
        <source>Delete room %1</source>
        <translation>删除房间 %1</translation>
    </message>
    <message>
        <source>%1: done</source>
        <translation>%1：完成</translation>
    </message>
    <message>
        <source>%1: failed (%2)</source>
        <translation>%1：失败（%2）</translation>
    </message>
    <message>
        <source>Connected to %1 as %2</source>
        <translation>已以 %2 身份连接到 %1</translation>
    </message>
    <message>
        <source>Disconnected (code %1)</source>
        <translation>已断开（关闭码 %1）</translation>
    </message>
    <message>
        <source>Reconnecting in %1 s (attempt %2)</source>
        <translation>%1 秒后重新连接（第 %2 次尝试）</translation>
    </message>
    <message>
        <source>Connection failed: %1</source>
        <translation>连接失败：%1</translation>
    </message>
    <message numerus="yes">
        <source>Broadcast %1 to room %2 reached %n recipient(s)</source>
        <translation>
            <numerusform>发给房间 %2 的%1广播送达 %n 个接收者</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Broadcast %1 to user #%2 reached %n recipient(s)</source>
        <translation>
            <numerusform>发给用户 #%2 的%1广播送达 %n 个接收者</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Broadcast %1 to everyone reached %n recipient(s)</source>
        <translation>
            <numerusform>发给所有人的%1广播送达 %n 个接收者</numerusform>
        </translation>
    </message>
    <message>
        <source>Close connection %1</source>
        <translation>关闭连接 %1</translation>
    </message>
    <message>
        <source>Broadcast to room %1</source>
        <translation>广播给房间 %1</translation>
    </message>
    <message>
        <source>Broadcast to user %1</source>
        <translation>广播给用户 %1</translation>
    </message>
    <message>
        <source>Broadcast to everyone</source>
        <translation>广播给所有人</translation>
    </message>
</context>
<context>
    <name>Format</name>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 天 %2 小时</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
</context>
<context>
    <name>ServerError</name>
    <message>
        <source>the request was not valid JSON</source>
        <translation>请求不是有效的 JSON</translation>
    </message>
    <message>
        <source>the server does not know this kind of message</source>
        <translation>服务器不认识这种消息</translation>
    </message>
    <message>
        <source>the server could not process the message</source>
        <translation>服务器无法处理该消息</translation>
    </message>
    <message>
        <source>not signed in, or the credentials were refused</source>
        <translation>未登录，或凭据被拒绝</translation>
    </message>
    <message>
        <source>not allowed for this account</source>
        <translation>此账户无权执行该操作</translation>
    </message>
    <message>
        <source>a field is missing or invalid</source>
        <translation>有字段缺失或无效</translation>
    </message>
    <message>
        <source>too large</source>
        <translation>内容过大</translation>
    </message>
    <message>
        <source>no such user, room or connection</source>
        <translation>没有这个用户、房间或连接</translation>
    </message>
    <message>
        <source>too many requests, try again shortly</source>
        <translation>请求过多，请稍后再试</translation>
    </message>
    <message>
        <source>not supported by the server</source>
        <translation>服务器不支持该操作</translation>
    </message>
    <message>
        <source>conflicts with what exists (already there?)</source>
        <translation>与现有内容冲突（已经存在？）</translation>
    </message>
    <message>
        <source>internal server error</source>
        <translation>服务器内部错误</translation>
    </message>
    <message>
        <source>the server is not available right now</source>
        <translation>服务器暂时不可用</translation>
    </message>
    <message>
        <source>the sign-in token has expired</source>
        <translation>登录令牌已过期</translation>
    </message>
    <message>
        <source>a configured limit was reached</source>
        <translation>已达到配置的上限</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
</context>
<context>
    <name>ServerProfile</name>
    <message>
        <source>The server URL must look like ws://host:8000/ws or wss://host/ws.</source>
        <translation>服务器地址应形如 ws://host:8000/ws 或 wss://host/ws。</translation>
    </message>
    <message>
        <source>Enter the administrator&apos;s user name.</source>
        <translation>请输入管理员用户名。</translation>
    </message>
    <message>
        <source>Enter the API key.</source>
        <translation>请输入 API 密钥。</translation>
    </message>
    <message>
        <source>Enter the password.</source>
        <translation>请输入密码。</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::AccessRules</name>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::AccessRulesModel</name>
    <message>
        <source>deny</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <source>allow</source>
        <translation>允许</translation>
    </message>
    <message>
        <source>never</source>
        <translation>永不</translation>
    </message>
    <message>
        <source>expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>%1 (in %2)</source>
        <translation>%1（%2 后）</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>动作</translation>
    </message>
    <message>
        <source>Addresses (CIDR)</source>
        <translation>地址（CIDR）</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Expires</source>
        <translation>到期</translation>
    </message>
    <message>
        <source>Created by</source>
        <translation>创建者</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::AccessView</name>
    <message>
        <source>The rule was not saved.</source>
        <translation>规则未保存。</translation>
    </message>
    <message>
        <source>The rule was not saved: %1</source>
        <translation>规则未保存：%1</translation>
    </message>
    <message>
        <source>Rule #%1 removed.</source>
        <translation>规则 #%1 已移除。</translation>
    </message>
    <message>
        <source>Rule #%1 was not removed: %2</source>
        <translation>规则 #%1 未能移除：%2</translation>
    </message>
    <message>
        <source>The rules could not be loaded: %1</source>
        <translation>无法加载规则：%1</translation>
    </message>
    <message>
        <source>Re&amp;fresh</source>
        <translation>刷新(&amp;F)</translation>
    </message>
    <message>
        <source>Re&amp;move rule…</source>
        <translation>移除规则(&amp;M)…</translation>
    </message>
    <message numerus="yes">
        <source>%n rule(s)</source>
        <translation>
            <numerusform>%n 条规则</numerusform>
        </translation>
    </message>
    <message>
        <source>New rule</source>
        <translation>新规则</translation>
    </message>
    <message>
        <source>Act&amp;ion:</source>
        <translation>动作(&amp;I)：</translation>
    </message>
    <message>
        <source>Addresses (&amp;CIDR):</source>
        <translation>地址（CIDR）(&amp;C)：</translation>
    </message>
    <message>
        <source>N&amp;ote:</source>
        <translation>备注(&amp;O)：</translation>
    </message>
    <message>
        <source>E&amp;xpires:</source>
        <translation>到期(&amp;X)：</translation>
    </message>
    <message>
        <source>The most specific rule that matches an address decides: an allow rule makes an exception inside a denied network.</source>
        <translation>与地址匹配的最具体的规则决定结果：允许规则可在被拒绝的网段中开一个例外。</translation>
    </message>
    <message>
        <source>an address or a CIDR block, e.g. 203.0.113.0/24</source>
        <translation>一个地址或 CIDR 网段，例如 203.0.113.0/24</translation>
    </message>
    <message>
        <source>optional: why, for the next operator</source>
        <translation>可选：原因，留给下一位运维人员</translation>
    </message>
    <message>
        <source>never</source>
        <translation>永不</translation>
    </message>
    <message>
        <source>after</source>
        <translation>之后</translation>
    </message>
    <message>
        <source>at</source>
        <translation>于</translation>
    </message>
    <message>
        <source>minutes</source>
        <translation>分钟</translation>
    </message>
    <message>
        <source>hours</source>
        <translation>小时</translation>
    </message>
    <message>
        <source>days</source>
        <translation>天</translation>
    </message>
    <message>
        <source>Sav&amp;e rule</source>
        <translation>保存规则(&amp;E)</translation>
    </message>
    <message>
        <source>Save the rule; live connections it refuses are closed</source>
        <translation>保存规则；被它拒绝的在线连接会被关闭</translation>
    </message>
    <message>
        <source>Access rules are managed by administrators only: %1 does not have the admin role. Connect with an administrator account to see and change them.</source>
        <translation>访问规则只能由管理员管理：%1 没有管理员角色。请用管理员账户连接以查看和修改访问规则。</translation>
    </message>
    <message>
        <source>Connect to a server to see and change its access rules.</source>
        <translation>连接到服务器后即可查看和修改其访问规则。</translation>
    </message>
    <message>
        <source>Would cut no live connection.</source>
        <translation>不会断开任何在线连接。</translation>
    </message>
    <message>
        <source>Would cut %1 of %2 (%3).</source>
        <translation>将断开 %2 的 %1（%3）。</translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s)</source>
        <translation>
            <numerusform>%n 个连接</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation>
            <numerusform>%n 个用户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n address(es)</source>
        <translation>
            <numerusform>%n 个地址</numerusform>
        </translation>
    </message>
    <message>
        <source>Cannot count what the rule would cut: %1</source>
        <translation>无法统计该规则会断开哪些连接：%1</translation>
    </message>
    <message>
        <source>Counting the live connections this rule would cut…</source>
        <translation>正在统计该规则会断开的在线连接…</translation>
    </message>
    <message>
        <source>Type an address or a CIDR block to see what the rule would cut.</source>
        <translation>输入一个地址或 CIDR 网段，即可看到该规则会断开哪些连接。</translation>
    </message>
    <message>
        <source>Warning: this rule refuses your own address. Saving it disconnects this console, and it cannot connect again from here until the rule is removed or expires.</source>
        <translation>警告：此规则会拒绝你自己的地址。保存后本控制台会断开连接，并且在规则被移除或到期之前无法从这里重新连接。</translation>
    </message>
    <message>
        <source>This rule refuses the address this console connects from. Saving it closes this console&apos;s connection, and it cannot connect again from here until the rule is removed or expires.</source>
        <translation>此规则会拒绝本控制台所用的地址。保存后会关闭本控制台的连接，并且在规则被移除或到期之前无法从这里重新连接。</translation>
    </message>
    <message>
        <source>Save the rule anyway?</source>
        <translation>仍然保存该规则吗？</translation>
    </message>
    <message>
        <source>Refuse your own address?</source>
        <translation>拒绝你自己的地址？</translation>
    </message>
    <message>
        <source>Type the addresses the rule is for.</source>
        <translation>请输入该规则适用的地址。</translation>
    </message>
    <message>
        <source>Saving the rule…</source>
        <translation>正在保存规则…</translation>
    </message>
    <message>
        <source>Rule #%1 saved: %2 %3.</source>
        <translation>规则 #%1 已保存：%2 %3。</translation>
    </message>
    <message>
        <source>No live connection was cut.</source>
        <translation>没有断开任何在线连接。</translation>
    </message>
    <message>
        <source>Cut %1 of %2 (%3).</source>
        <translation>已断开 %2 的 %1（%3）。</translation>
    </message>
    <message>
        <source>Remove rule</source>
        <translation>移除规则</translation>
    </message>
    <message>
        <source>Remove rule #%1 (%2 %3)? It stops applying to new connections at once.</source>
        <translation>移除规则 #%1（%2 %3）？它会立即不再作用于新连接。</translation>
    </message>
    <message>
        <source>This server does not offer access rules (it is older than this console).</source>
        <translation>此服务器不提供访问规则（它比本控制台旧）。</translation>
    </message>
    <message>
        <source>Without rule #%1 the address this console connects from is refused: removing it closes this console&apos;s connection, and it cannot connect again from here until another rule lets it in.</source>
        <translation>没有规则 #%1，本控制台连接所用的地址会被拒绝：移除它会关闭本控制台的连接，并且在另一条规则允许之前，无法再从这里连接。</translation>
    </message>
    <message>
        <source>Remove the rule anyway?</source>
        <translation>仍然移除该规则吗？</translation>
    </message>
    <message>
        <source>Rule #%1 was not removed.</source>
        <translation>规则 #%1 未移除。</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::AdminSession</name>
    <message>
        <source>This profile has no API key.</source>
        <translation>此配置没有 API 密钥。</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>Connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>Connection lost, reconnecting…</source>
        <translation>连接中断，正在重新连接…</translation>
    </message>
    <message>
        <source>Connection failed</source>
        <translation>连接失败</translation>
    </message>
    <message>
        <source>The server refused the API key: %1</source>
        <translation>服务器拒绝了 API 密钥：%1</translation>
    </message>
    <message>
        <source>%1 is not an administrator: the operator console needs an account with the admin role.</source>
        <translation>%1 不是管理员：运营控制台需要具有管理员角色的账户。</translation>
    </message>
    <message>
        <source>The server refused the operator feed: %1</source>
        <translation>服务器拒绝了运营事件流：%1</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::BroadcastView</name>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>S&amp;ystem message</source>
        <translation>系统消息(&amp;Y)</translation>
    </message>
    <message>
        <source>&amp;Notification</source>
        <translation>通知(&amp;N)</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation>发送给(&amp;T)：</translation>
    </message>
    <message>
        <source>R&amp;oom:</source>
        <translation>房间(&amp;O)：</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>用户(&amp;U)：</translation>
    </message>
    <message>
        <source>T&amp;itle:</source>
        <translation>标题(&amp;I)：</translation>
    </message>
    <message>
        <source>&amp;Message:</source>
        <translation>消息(&amp;M)：</translation>
    </message>
    <message>
        <source>&amp;Priority:</source>
        <translation>优先级(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Link:</source>
        <translation>链接(&amp;L)：</translation>
    </message>
    <message>
        <source>Everyone</source>
        <translation>所有人</translation>
    </message>
    <message>
        <source>A room</source>
        <translation>某个房间</translation>
    </message>
    <message>
        <source>A user</source>
        <translation>某个用户</translation>
    </message>
    <message>
        <source>low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>high</source>
        <translation>高</translation>
    </message>
    <message>
        <source>urgent</source>
        <translation>紧急</translation>
    </message>
    <message>
        <source>optional, e.g. https://example.com/maintenance</source>
        <translation>可选，例如 https://example.com/maintenance</translation>
    </message>
    <message>
        <source>&amp;Recount</source>
        <translation>重新统计(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>Send the broadcast (Ctrl+Enter)</source>
        <translation>发送广播（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>Audience unknown: %1</source>
        <translation>受众未知：%1</translation>
    </message>
    <message>
        <source>Counting the audience…</source>
        <translation>正在统计受众…</translation>
    </message>
    <message numerus="yes">
        <source>Reaches %n user(s)</source>
        <translation>
            <numerusform>将送达 %n 个用户</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s) right now</source>
        <translation>
            <numerusform>当前 %n 个连接</numerusform>
        </translation>
    </message>
    <message>
        <source>a user name or id</source>
        <translation>用户名或用户 ID</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::ChatLoginDialog</name>
    <message>
        <source>New chat test window</source>
        <translation>新建聊天测试窗口</translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation>用户名(&amp;U)：</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>密码(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Join rooms:</source>
        <translation>加入房间(&amp;J)：</translation>
    </message>
    <message>
        <source>comma-separated, e.g. general, support</source>
        <translation>以逗号分隔，例如 general, support</translation>
    </message>
    <message>
        <source>empty: use the profile&apos;s API key</source>
        <translation>留空：使用配置中的 API 密钥</translation>
    </message>
    <message>
        <source>Without a password the console mints a token for this user with the API key of the current profile.</source>
        <translation>不填密码时，控制台用当前配置的 API 密钥为该用户签发令牌。</translation>
    </message>
    <message>
        <source>The window logs in with this user&apos;s password.</source>
        <translation>窗口使用该用户的密码登录。</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>打开(&amp;O)</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::ChatSession</name>
    <message>
        <source>Not valid JSON: %1</source>
        <translation>不是有效的 JSON：%1</translation>
    </message>
    <message>
        <source>A frame must be a JSON object.</source>
        <translation>帧必须是一个 JSON 对象。</translation>
    </message>
    <message>
        <source>Not connected.</source>
        <translation>未连接。</translation>
    </message>
    <message>
        <source>%1 is typing in %2</source>
        <translation>%1 正在 %2 中输入</translation>
    </message>
    <message>
        <source>%1 is typing to me</source>
        <translation>%1 正在给我输入消息</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::ChatTranscript</name>
    <message>
        <source>server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>room %1</source>
        <translation>房间 %1</translation>
    </message>
    <message>
        <source>delivered, seq %1</source>
        <translation>已送达，序号 %1</translation>
    </message>
    <message>
        <source>sending…</source>
        <translation>发送中…</translation>
    </message>
    <message>
        <source>me → %1: %2 (%3)</source>
        <translation>我 → %1：%2（%3）</translation>
    </message>
    <message>
        <source>Connected as %1 (#%2), connection %3</source>
        <translation>已以 %1（#%2）身份连接，连接 %3</translation>
    </message>
    <message>
        <source>%1 → me: %2</source>
        <translation>%1 → 我：%2</translation>
    </message>
    <message>
        <source>[%1] %2: %3</source>
        <translation>[%1] %2：%3</translation>
    </message>
    <message>
        <source>System message: %1</source>
        <translation>系统消息：%1</translation>
    </message>
    <message>
        <source>Broadcast from %1: %2</source>
        <translation>来自 %1 的广播：%2</translation>
    </message>
    <message>
        <source>Notification: %1 — %2</source>
        <translation>通知：%1 — %2</translation>
    </message>
    <message>
        <source>%1 is now %2</source>
        <translation>%1 现在%2</translation>
    </message>
    <message>
        <source>I joined room %1</source>
        <translation>我加入了房间 %1</translation>
    </message>
    <message>
        <source>I left room %1</source>
        <translation>我离开了房间 %1</translation>
    </message>
    <message>
        <source>%1 joined room %2</source>
        <translation>%1 加入了房间 %2</translation>
    </message>
    <message>
        <source>%1 left room %2</source>
        <translation>%1 离开了房间 %2</translation>
    </message>
    <message>
        <source>Room %1 was deleted</source>
        <translation>房间 %1 已被删除</translation>
    </message>
    <message>
        <source>Invited to room %1</source>
        <translation>受邀加入房间 %1</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::ChatWindow</name>
    <message>
        <source>not connected</source>
        <translation>未连接</translation>
    </message>
    <message>
        <source>failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>connected as user #%1</source>
        <translation>已作为用户 #%1 连接</translation>
    </message>
    <message>
        <source>reconnecting…</source>
        <translation>正在重新连接…</translation>
    </message>
    <message>
        <source>Chat test: %1</source>
        <translation>聊天测试：%1</translation>
    </message>
    <message>
        <source>&amp;Status:</source>
        <translation>状态(&amp;S)：</translation>
    </message>
    <message>
        <source>Conversation</source>
        <translation>会话</translation>
    </message>
    <message>
        <source>Raw frames</source>
        <translation>原始帧</translation>
    </message>
    <message>
        <source>R&amp;oom:</source>
        <translation>房间(&amp;O)：</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>加入(&amp;J)</translation>
    </message>
    <message>
        <source>Lea&amp;ve</source>
        <translation>离开(&amp;V)</translation>
    </message>
    <message>
        <source>to room</source>
        <translation>发往房间</translation>
    </message>
    <message>
        <source>Type a message and press Enter</source>
        <translation>输入消息后按回车发送</translation>
    </message>
    <message>
        <source>Sen&amp;d</source>
        <translation>发送(&amp;D)</translation>
    </message>
    <message>
        <source>Any JSON frame, e.g. {&quot;type&quot;:&quot;ping&quot;}</source>
        <translation>任意 JSON 帧，例如 {&quot;type&quot;:&quot;ping&quot;}</translation>
    </message>
    <message>
        <source>Send &amp;frame</source>
        <translation>发送帧(&amp;F)</translation>
    </message>
    <message>
        <source>“%1” is not a user id or the name of an online user.</source>
        <translation>“%1”既不是用户 ID，也不是在线用户的名字。</translation>
    </message>
    <message>
        <source>to user</source>
        <translation>发往用户</translation>
    </message>
    <message>
        <source>name or id</source>
        <translation>用户名或 ID</translation>
    </message>
    <message>
        <source>room id</source>
        <translation>房间 ID</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::ConnectDialog</name>
    <message>
        <source>Connect to a server</source>
        <translation>连接到服务器</translation>
    </message>
    <message>
        <source>&amp;Profile:</source>
        <translation>配置(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Server &amp;URL:</source>
        <translation>服务器地址(&amp;U)：</translation>
    </message>
    <message>
        <source>Sign in with:</source>
        <translation>登录方式：</translation>
    </message>
    <message>
        <source>&amp;Administrator:</source>
        <translation>管理员(&amp;A)：</translation>
    </message>
    <message>
        <source>Pass&amp;word</source>
        <translation>密码(&amp;W)</translation>
    </message>
    <message>
        <source>API &amp;key</source>
        <translation>API 密钥(&amp;K)</translation>
    </message>
    <message>
        <source>&amp;Save</source>
        <translation>保存(&amp;S)</translation>
    </message>
    <message>
        <source>De&amp;lete</source>
        <translation>删除(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>连接(&amp;C)</translation>
    </message>
    <message>
        <source>an account with the admin role</source>
        <translation>具有管理员角色的账户</translation>
    </message>
    <message>
        <source>e.g. Production</source>
        <translation>例如：生产环境</translation>
    </message>
    <message>
        <source>New profile</source>
        <translation>新建配置</translation>
    </message>
    <message>
        <source>API &amp;key:</source>
        <translation>API 密钥(&amp;K)：</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>密码(&amp;W)：</translation>
    </message>
    <message>
        <source>The console mints a token for this admin account with the API key and acts as it.</source>
        <translation>控制台用 API 密钥为该管理员账户签发令牌，并以其身份操作。</translation>
    </message>
    <message>
        <source>The console logs in as this admin account.</source>
        <translation>控制台以该管理员账户登录。</translation>
    </message>
    <message>
        <source>&amp;Remember the secret (in the system keyring)</source>
        <translation>记住密码或密钥（保存在系统密钥环中）(&amp;R)</translation>
    </message>
    <message>
        <source>Secret not remembered</source>
        <translation>未记住密码或密钥</translation>
    </message>
    <message>
        <source>No system keyring is available, so the secret was not remembered: the console will ask for it next time. To keep it in the settings file in plain text instead, set secrets/plain_text_fallback=true in %1.</source>
        <translation>没有可用的系统密钥环，因此未记住密码或密钥：控制台下次会再次询问。如要改为以明文保存在设置文件中，请在 %1 中设置 secrets/plain_text_fallback=true。</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::DashboardView</name>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Totals</source>
        <translation>总计</translation>
    </message>
    <message>
        <source>Version:</source>
        <translation>版本：</translation>
    </message>
    <message>
        <source>Storage:</source>
        <translation>存储：</translation>
    </message>
    <message>
        <source>Listening on:</source>
        <translation>监听地址：</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>启动时间：</translation>
    </message>
    <message>
        <source>Uptime:</source>
        <translation>运行时长：</translation>
    </message>
    <message>
        <source>Connections:</source>
        <translation>连接数：</translation>
    </message>
    <message>
        <source>Users online:</source>
        <translation>在线用户：</translation>
    </message>
    <message>
        <source>Rooms:</source>
        <translation>房间数：</translation>
    </message>
    <message>
        <source>Stored messages:</source>
        <translation>已存储消息：</translation>
    </message>
    <message>
        <source>Messages per second:</source>
        <translation>每秒消息数：</translation>
    </message>
    <message>
        <source>Server memory:</source>
        <translation>服务器内存：</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Traffic per second</source>
        <translation>每秒流量</translation>
    </message>
    <message>
        <source>Users online</source>
        <translation>在线用户</translation>
    </message>
    <message>
        <source>Messages/s</source>
        <translation>消息/秒</translation>
    </message>
    <message>
        <source>Frames in/s</source>
        <translation>入站帧/秒</translation>
    </message>
    <message>
        <source>Frames out/s</source>
        <translation>出站帧/秒</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::EventLogModel</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::EventLogView</name>
    <message>
        <source>Export event log</source>
        <translation>导出事件日志</translation>
    </message>
    <message>
        <source>Tab-separated text (*.tsv *.txt);;JSON lines (*.jsonl)</source>
        <translation>制表符分隔文本 (*.tsv *.txt);;JSON 行 (*.jsonl)</translation>
    </message>
    <message>
        <source>The event log could not be saved: %1</source>
        <translation>无法保存事件日志：%1</translation>
    </message>
    <message>
        <source>Search the log (text or JSON)</source>
        <translation>搜索日志（文本或 JSON）</translation>
    </message>
    <message>
        <source>&amp;Category:</source>
        <translation>类别(&amp;C)：</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>C&amp;lear</source>
        <translation>清空(&amp;L)</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>导出(&amp;X)…</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::MainWindow</name>
    <message>
        <source>Switchboard Console</source>
        <translation>Switchboard 控制台</translation>
    </message>
    <message>
        <source>&amp;Dashboard</source>
        <translation>仪表盘(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Users</source>
        <translation>用户(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Rooms</source>
        <translation>房间(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Broadcast</source>
        <translation>广播(&amp;B)</translation>
    </message>
    <message>
        <source>Event lo&amp;g</source>
        <translation>事件日志(&amp;G)</translation>
    </message>
    <message>
        <source>%1 as %2</source>
        <translation>%1，身份 %2</translation>
    </message>
    <message>
        <source>Export event log</source>
        <translation>导出事件日志</translation>
    </message>
    <message>
        <source>Tab-separated text (*.tsv *.txt);;JSON lines (*.jsonl)</source>
        <translation>制表符分隔文本 (*.tsv *.txt);;JSON 行 (*.jsonl)</translation>
    </message>
    <message>
        <source>Event log saved to %1</source>
        <translation>事件日志已保存到 %1</translation>
    </message>
    <message>
        <source>The event log could not be saved: %1</source>
        <translation>无法保存事件日志：%1</translation>
    </message>
    <message>
        <source>About Switchboard Console</source>
        <translation>关于 Switchboard 控制台</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;Switchboard Console&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;Watch users, rooms and traffic of a Switchboard server live, send broadcasts and try the protocol with chat test clients.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;Switchboard 控制台&lt;/b&gt; %1&lt;/p&gt;&lt;p&gt;实时查看 Switchboard 服务器的用户、房间和流量，发送广播，并用聊天测试客户端试用协议。&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Server</source>
        <translation>服务器(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;Connect…</source>
        <translation>连接(&amp;C)…</translation>
    </message>
    <message>
        <source>Connect to a server with a saved or new profile</source>
        <translation>使用已保存或新建的配置连接服务器</translation>
    </message>
    <message>
        <source>&amp;Disconnect</source>
        <translation>断开连接(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Export event log…</source>
        <translation>导出事件日志(&amp;E)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>New &amp;chat test window…</source>
        <translation>新建聊天测试窗口(&amp;C)…</translation>
    </message>
    <message>
        <source>&amp;Compose a broadcast</source>
        <translation>撰写广播(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System language (%1)</source>
        <translation>系统语言（%1）</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Switchboard Console</source>
        <translation>关于 Switchboard 控制台(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Access</source>
        <translation>访问规则(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;Nodes</source>
        <translation>节点(&amp;N)</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::NodesModel</name>
    <message>
        <source>No heartbeat from this node: it stopped, or lost Redis. A surviving node takes it out of the list.</source>
        <translation>没有收到此节点的心跳：它已停止，或与 Redis 断开。仍在运行的节点会将它移出列表。</translation>
    </message>
    <message>
        <source>(this server)</source>
        <translation>（此服务器）</translation>
    </message>
    <message>
        <source>alive</source>
        <translation>存活</translation>
    </message>
    <message>
        <source>stale</source>
        <translation>失联</translation>
    </message>
    <message>
        <source>%1 ago</source>
        <translation>%1 前</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Users online</source>
        <translation>在线用户</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Messages/s</source>
        <translation>消息/秒</translation>
    </message>
    <message>
        <source>Frames in/s</source>
        <translation>入帧/秒</translation>
    </message>
    <message>
        <source>Frames out/s</source>
        <translation>出帧/秒</translation>
    </message>
    <message>
        <source>Uptime</source>
        <translation>运行时间</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Storage</source>
        <translation>存储</translation>
    </message>
    <message>
        <source>Last heartbeat</source>
        <translation>上次心跳</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::NodesView</name>
    <message>
        <source>No nodes yet: the list comes from the server once connected.</source>
        <translation>暂无节点：连接后由服务器提供列表。</translation>
    </message>
    <message numerus="yes">
        <source>%n node(s)</source>
        <translation>
            <numerusform>%n 个节点</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stale</source>
        <translation>
            <numerusform>%n 个失联</numerusform>
        </translation>
    </message>
    <message>
        <source>showing the first %1 of %2 nodes</source>
        <translation>仅显示 %2 个节点中的前 %1 个</translation>
    </message>
    <message>
        <source>only this node is known while it cannot reach Redis</source>
        <translation>无法连接 Redis 时只知道此节点</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::RoomDialog</name>
    <message>
        <source>New room</source>
        <translation>新建房间</translation>
    </message>
    <message>
        <source>Room %1</source>
        <translation>房间 %1</translation>
    </message>
    <message>
        <source>Room &amp;ID:</source>
        <translation>房间 ID(&amp;I)：</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>&amp;Description:</source>
        <translation>描述(&amp;D)：</translation>
    </message>
    <message>
        <source>Who may &amp;post:</source>
        <translation>发言权限(&amp;P)：</translation>
    </message>
    <message>
        <source>&amp;Member limit:</source>
        <translation>成员上限(&amp;M)：</translation>
    </message>
    <message>
        <source>letters, digits, _ and -</source>
        <translation>字母、数字、_ 和 -</translation>
    </message>
    <message>
        <source>P&amp;rivate (members join by invitation)</source>
        <translation>私有（成员须受邀加入）(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Announce joins and leaves to members</source>
        <translation>向成员通告加入和离开(&amp;A)</translation>
    </message>
    <message>
        <source>server limit</source>
        <translation>服务器上限</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::RoomsModel</name>
    <message>
        <source>members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>owners</source>
        <translation>所有者</translation>
    </message>
    <message>
        <source>administrators</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>private</source>
        <translation>私有</translation>
    </message>
    <message>
        <source>public</source>
        <translation>公开</translation>
    </message>
    <message>
        <source>server limit</source>
        <translation>服务器上限</translation>
    </message>
    <message>
        <source>Room ID</source>
        <translation>房间 ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Visibility</source>
        <translation>可见性</translation>
    </message>
    <message>
        <source>Who may post</source>
        <translation>发言权限</translation>
    </message>
    <message>
        <source>Member limit</source>
        <translation>成员上限</translation>
    </message>
    <message>
        <source>Members</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Messages</source>
        <translation>消息</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::RoomsView</name>
    <message>
        <source>&amp;New room…</source>
        <translation>新建房间(&amp;N)…</translation>
    </message>
    <message>
        <source>&amp;Edit policy…</source>
        <translation>编辑策略(&amp;E)…</translation>
    </message>
    <message>
        <source>De&amp;lete room</source>
        <translation>删除房间(&amp;L)</translation>
    </message>
    <message numerus="yes">
        <source>%n room(s)</source>
        <translation>
            <numerusform>%n 个房间</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete room</source>
        <translation>删除房间</translation>
    </message>
    <message>
        <source>Delete the room %1? Its members are told that it is gone.</source>
        <translation>删除房间 %1？其成员会收到房间已删除的通知。</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::ServerHealth</name>
    <message>
        <source>Degraded: this node has lost the other nodes (Redis); it serves its own connections only.</source>
        <translation>降级：此节点已与其他节点失去联系（Redis），只为自己的连接提供服务。</translation>
    </message>
    <message>
        <source>Degraded: this node has lost the other nodes (Redis); it serves its own connections only. The server says: %1</source>
        <translation>降级：此节点已与其他节点失去联系（Redis），只为自己的连接提供服务。服务器报告：%1</translation>
    </message>
    <message>
        <source>The server is not ready: %1</source>
        <translation>服务器未就绪：%1</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::UsersModel</name>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>away</source>
        <translation>离开</translation>
    </message>
    <message>
        <source>busy</source>
        <translation>忙碌</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Connection %1</source>
        <translation>连接 %1</translation>
    </message>
    <message>
        <source>not measured</source>
        <translation>尚未测量</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Rooms</source>
        <translation>房间</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>最后在线</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>Connected since</source>
        <translation>连接时间</translation>
    </message>
    <message>
        <source>RTT (ms)</source>
        <translation>往返时延（毫秒）</translation>
    </message>
    <message>
        <source>Send queue</source>
        <translation>发送队列</translation>
    </message>
    <message>
        <source>Node</source>
        <translation>节点</translation>
    </message>
</context>
<context>
    <name>Switchboard::Console::UsersView</name>
    <message>
        <source>Filter by name, address, client or room</source>
        <translation>按名称、地址、客户端或房间筛选</translation>
    </message>
    <message>
        <source>Hide load-test users (lt…)</source>
        <translation>隐藏负载测试用户（lt…）</translation>
    </message>
    <message>
        <source>Hide the users switchboard-loadtest connects: each is named lt followed by its user ID, for example lt1000000.</source>
        <translation>隐藏 switchboard-loadtest 连接的用户：每个用户的名称是 lt 加上其用户 ID，例如 lt1000000。</translation>
    </message>
    <message numerus="yes">
        <source>%n user(s) online</source>
        <translation>
            <numerusform>%n 个用户在线</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n connection(s)</source>
        <translation>
            <numerusform>%n 个连接</numerusform>
        </translation>
    </message>
    <message>
        <source>Send &amp;message…</source>
        <translation>发送消息(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Disconnect…</source>
        <translation>断开连接(&amp;D)…</translation>
    </message>
    <message>
        <source>Disa&amp;ble account…</source>
        <translation>停用账户(&amp;B)…</translation>
    </message>
    <message>
        <source>Open &amp;chat test window…</source>
        <translation>打开聊天测试窗口(&amp;C)…</translation>
    </message>
    <message>
        <source>Send a message</source>
        <translation>发送消息</translation>
    </message>
    <message>
        <source>Message to %1:</source>
        <translation>发给 %1 的消息：</translation>
    </message>
    <message>
        <source>Close every connection of %1. Reason (shown to the client):</source>
        <translation>关闭 %1 的所有连接。原因（客户端可见）：</translation>
    </message>
    <message>
        <source>Close connection %1 of %2. Reason (shown to the client):</source>
        <translation>关闭 %2 的连接 %1。原因（客户端可见）：</translation>
    </message>
    <message>
        <source>Disconnect</source>
        <translation>断开连接</translation>
    </message>
    <message>
        <source>closed by operator</source>
        <translation>已被管理员关闭</translation>
    </message>
    <message>
        <source>Disable account</source>
        <translation>停用账户</translation>
    </message>
    <message>
        <source>Disable the account %1? Its connections are closed and it cannot log in until an operator enables it again.</source>
        <translation>停用账户 %1？其连接将被关闭，在管理员重新启用之前无法登录。</translation>
    </message>
</context>
</TS>
