// SPDX-License-Identifier: MIT
#include "chatwindow.h"

#include "broadcastview.h"
#include "icons.h"

#include "model/adminsession.h"
#include "model/chatsession.h"
#include "model/jsonfields.h"

#include <QComboBox>
#include <QDateTime>
#include <QEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPlainTextEdit>
#include <QPointer>
#include <QPushButton>
#include <QTabWidget>

namespace Switchboard::Console {

namespace {
// Typing frames are forwarded at most once per second per context by the server; sending
// them more often only spends frames.
constexpr qint64 TYPING_REPEAT_MS = 1000;
} // namespace

ChatWindow::ChatWindow(AdminSession *admin, QWidget *parent)
    : QWidget(parent, Qt::Window)
    , m_admin(admin)
    , m_session(new ChatSession(this))
{
    setObjectName(QStringLiteral("ChatWindow"));
    setWindowIcon(Icons::appIcon());
    buildUi();

    connect(m_session, &ChatSession::stateChanged, this, &ChatWindow::updateState);
    connect(m_session, &ChatSession::roomsChanged, this, &ChatWindow::updateRooms);
    connect(m_session, &ChatSession::typingChanged, this, &ChatWindow::updateTyping);
    connect(m_session, &ChatSession::frameText, this, &ChatWindow::appendRaw);
    connect(m_session, &ChatSession::failed, this, [this](const QString &message) {
        m_error = message;
        updateState();
    });
    connect(m_session->connection(), &Client::Connection::connected, this, [this]() {
        m_error.clear();
        for (const QString &room : std::as_const(m_joinOnConnect))
            m_session->joinRoom(room);
        m_joinOnConnect.clear();
        updateState();
    });
    connect(m_session->transcript(), &QAbstractItemModel::rowsInserted, m_transcript,
            &QListView::scrollToBottom);
    connect(m_send, &QPushButton::clicked, this, &ChatWindow::sendMessage);
    connect(m_message, &QLineEdit::returnPressed, this, &ChatWindow::sendMessage);
    connect(m_message, &QLineEdit::textEdited, this, &ChatWindow::messageEdited);
    connect(m_join, &QPushButton::clicked, this, &ChatWindow::joinRoom);
    connect(m_leave, &QPushButton::clicked, this, &ChatWindow::leaveRoom);
    connect(m_rawSend, &QPushButton::clicked, this, &ChatWindow::sendRawFrame);
    connect(m_rawInput, &QLineEdit::returnPressed, this, &ChatWindow::sendRawFrame);
    connect(m_targetKind, &QComboBox::currentIndexChanged, this, &ChatWindow::targetKindChanged);
    connect(m_presence, &QComboBox::activated, this,
            [this]() { m_session->setPresence(m_presence->currentData().toString()); });
    retranslateUi();
}

ChatWindow::~ChatWindow()
{
    // The session closes its connection as it goes, which emits signals: they must not reach
    // this window's slots once it is half destroyed.
    m_session->connection()->disconnect(this);
    m_session->disconnect(this);
    delete m_session;
}

void ChatWindow::start(const QString &username, const QString &password,
                       const QStringList &joinRooms)
{
    m_joinOnConnect = joinRooms;
    const QUrl url = m_admin->profile().url;
    if (!password.isEmpty() || m_admin->profile().apiKey.isEmpty()) {
        m_session->open(url, username, password);
        updateState();
        return;
    }
    const QPointer<ChatWindow> self(this);
    m_admin->mintToken(
        username, [self, url, username](bool ok, const QJsonObject &json, const QString &error) {
            if (!self)
                return;
            if (!ok) {
                self->m_error = error;
                self->updateState();
                return;
            }
            self->m_session->open(url, username, QString(), Json::str(json, "token"));
            self->updateState();
        });
    updateState();
}

void ChatWindow::updateState()
{
    const Client::Connection *c = m_session->connection();
    const QString who = m_session->username();
    QString state;
    switch (c->state()) {
    case Client::Connection::State::Disconnected:
        state = m_error.isEmpty() ? tr("not connected") : tr("failed: %1").arg(m_error);
        break;
    case Client::Connection::State::LoggingIn:
        state = tr("signing in…");
        break;
    case Client::Connection::State::Connecting:
        state = tr("connecting…");
        break;
    case Client::Connection::State::Connected:
        state = tr("connected as user #%1").arg(c->userId());
        break;
    case Client::Connection::State::Reconnecting:
        state = tr("reconnecting…");
        break;
    }
    m_state->setText(
        QStringLiteral("<b>%1</b> — %2").arg(who.toHtmlEscaped(), state.toHtmlEscaped()));
    setWindowTitle(tr("Chat test: %1").arg(who));
}

void ChatWindow::updateRooms()
{
    const QStringList rooms = m_session->rooms();
    const QString current = m_room->currentText();
    m_room->clear();
    m_room->addItems(rooms);
    m_room->setEditText(current);
    if (m_targetKind->currentData().toString() == QLatin1StringView("room")) {
        const QString target = m_target->currentText();
        m_target->clear();
        m_target->addItems(rooms);
        m_target->setEditText(target.isEmpty() && !rooms.isEmpty() ? rooms.first() : target);
    }
}

void ChatWindow::targetKindChanged()
{
    // A room id is no user and a user is no room: the field starts empty for the new kind.
    m_target->clear();
    m_target->clearEditText();
    showSendError({});
    updateRooms();
    retranslateUi();
}

void ChatWindow::showSendError(const QString &text)
{
    m_sendError->setText(text);
    m_sendError->setVisible(!text.isEmpty());
}

QString ChatWindow::sendError() const
{
    return m_sendError->text();
}

void ChatWindow::updateTyping()
{
    m_typing->setText(m_session->typing().join(QStringLiteral("; ")));
}

void ChatWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::LanguageChange) {
        retranslateUi();
        m_session->transcript()->retranslate();
    }
    QWidget::changeEvent(event);
}

void ChatWindow::setTarget(const QString &kind, const QString &target)
{
    m_targetKind->setCurrentIndex(qMax(0, m_targetKind->findData(kind)));
    m_target->setEditText(target);
}

void ChatWindow::setMessageText(const QString &text)
{
    m_message->setText(text);
}

QString ChatWindow::typingContext() const
{
    const QString target = m_target->currentText().trimmed();
    if (target.isEmpty())
        return {};
    if (m_targetKind->currentData().toString() == QLatin1StringView("room"))
        return QStringLiteral("room:") + target;
    const qint64 userId = userIdOf(target, m_admin->users());
    return userId > 0 ? QStringLiteral("user:%1").arg(userId) : QString();
}

void ChatWindow::messageEdited(const QString &text)
{
    const QString context = typingContext();
    if (context.isEmpty() || !m_session->isConnected())
        return;
    if (text.isEmpty()) {
        m_session->setTyping(context, false);
        m_lastTyping.invalidate();
        return;
    }
    if (!m_lastTyping.isValid() || m_lastTyping.elapsed() >= TYPING_REPEAT_MS) {
        m_session->setTyping(context, true);
        m_lastTyping.start();
    }
}

void ChatWindow::sendMessage()
{
    const QString text = m_message->text().trimmed();
    const QString target = m_target->currentText().trimmed();
    if (text.isEmpty() || target.isEmpty())
        return;
    QString id;
    if (m_targetKind->currentData().toString() == QLatin1StringView("room")) {
        id = m_session->sendRoom(target, text);
    } else {
        const qint64 userId = userIdOf(target, m_admin->users());
        if (userId <= 0) {
            showSendError(tr("“%1” is not a user id or the name of an online user.").arg(target));
            return;
        }
        id = m_session->sendDirect(userId, text);
    }
    showSendError({});
    if (!id.isEmpty()) {
        m_message->clear();
        m_lastTyping.invalidate();
    }
}

void ChatWindow::joinRoom()
{
    const QString room = m_room->currentText().trimmed();
    if (!room.isEmpty())
        m_session->joinRoom(room);
}

void ChatWindow::leaveRoom()
{
    const QString room = m_room->currentText().trimmed();
    if (!room.isEmpty())
        m_session->leaveRoom(room);
}

void ChatWindow::sendRawFrame()
{
    QString error;
    if (m_session->sendRaw(m_rawInput->text(), &error)) {
        m_rawError->clear();
        m_rawInput->clear();
    } else {
        m_rawError->setText(error);
    }
}

void ChatWindow::appendRaw(bool incoming, const QString &text)
{
    const QString time = QDateTime::currentDateTime().toString(QStringLiteral("HH:mm:ss.zzz"));
    m_raw->appendPlainText(
        QStringLiteral("%1 %2 %3")
            .arg(time, incoming ? QStringLiteral("←") : QStringLiteral("→"), text));
}

QString ChatWindow::rawLog() const
{
    return m_raw->toPlainText();
}

} // namespace Switchboard::Console
