// SPDX-License-Identifier: MIT
#include "chattranscript.h"

#include "jsonfields.h"
#include "servererror.h"
#include "usersmodel.h"

#include <QColor>
#include <QDateTime>
#include <QSet>

namespace Switchboard::Console {

namespace {
const QSet<QString> &shownTypes()
{
    static const QSet<QString> types {
        QStringLiteral("connected"),    QStringLiteral("message"),
        QStringLiteral("room_message"), QStringLiteral("system"),
        QStringLiteral("notification"), QStringLiteral("broadcast"),
        QStringLiteral("user_status"),  QStringLiteral("presence"),
        QStringLiteral("room_joined"),  QStringLiteral("room_left"),
        QStringLiteral("user_joined"),  QStringLiteral("user_left"),
        QStringLiteral("room_deleted"), QStringLiteral("room_invited"),
        QStringLiteral("error")};
    return types;
}
} // namespace

ChatTranscript::ChatTranscript(QObject *parent)
    : QAbstractListModel(parent)
{ }

int ChatTranscript::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_entries.size());
}

QString ChatTranscript::sender(const QJsonObject &event) const
{
    QString name = Json::str(event, "from_name");
    if (name.isEmpty())
        name = Json::str(event, "username");
    const qint64 id
        = Json::id(event, event.contains(QLatin1StringView("from")) ? "from" : "user_id");
    if (id == 0 && name.isEmpty())
        return tr("server");
    return name.isEmpty() ? QStringLiteral("#%1").arg(id) : name;
}

QString ChatTranscript::text(const Entry &e) const
{
    const QJsonObject &ev = e.event;
    const QString content = Json::str(ev, "content");
    if (e.outgoing) {
        QString to;
        if (ev.contains(QLatin1StringView("room_id")))
            to = tr("room %1").arg(Json::str(ev, "room_id"));
        else
            to = QStringLiteral("#%1").arg(Json::str(ev, "to"));
        const QString state = e.acked ? tr("delivered, seq %1").arg(e.seq) : tr("sending…");
        return tr("me → %1: %2 (%3)").arg(to, content, state);
    }
    const QString k = e.kind;
    if (k == QLatin1StringView("connected")) {
        const QJsonObject user = ev.value(QLatin1StringView("user")).toObject();
        return tr("Connected as %1 (#%2), connection %3")
            .arg(Json::str(user, "name"), Json::str(user, "id"), Json::str(ev, "connection_id"));
    }
    if (k == QLatin1StringView("message"))
        return tr("%1 → me: %2").arg(sender(ev), content);
    if (k == QLatin1StringView("room_message"))
        return tr("[%1] %2: %3").arg(Json::str(ev, "room_id"), sender(ev), content);
    if (k == QLatin1StringView("system"))
        return tr("System message: %1").arg(content);
    if (k == QLatin1StringView("broadcast"))
        return tr("Broadcast from %1: %2").arg(sender(ev), content);
    if (k == QLatin1StringView("notification")) {
        const QJsonObject d = ev.value(QLatin1StringView("data")).toObject();
        return tr("Notification: %1 — %2").arg(Json::str(d, "title"), Json::str(d, "message"));
    }
    if (k == QLatin1StringView("user_status") || k == QLatin1StringView("presence"))
        return tr("%1 is now %2").arg(sender(ev), UsersModel::statusText(Json::str(ev, "status")));
    if (k == QLatin1StringView("room_joined"))
        return tr("I joined room %1").arg(Json::str(ev, "room_id"));
    if (k == QLatin1StringView("room_left"))
        return tr("I left room %1").arg(Json::str(ev, "room_id"));
    if (k == QLatin1StringView("user_joined"))
        return tr("%1 joined room %2").arg(sender(ev), Json::str(ev, "room_id"));
    if (k == QLatin1StringView("user_left"))
        return tr("%1 left room %2").arg(sender(ev), Json::str(ev, "room_id"));
    if (k == QLatin1StringView("room_deleted"))
        return tr("Room %1 was deleted").arg(Json::str(ev, "room_id"));
    if (k == QLatin1StringView("room_invited"))
        return tr("Invited to room %1").arg(Json::str(ev, "room_id"));
    if (k == QLatin1StringView("error"))
        return tr("Error: %1")
            .arg(ServerError::text(Json::str(ev, "code"), Json::str(ev, "message")));
    return Json::compact(ev);
}

QVariant ChatTranscript::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_entries.size())
        return {};
    const Entry &e = m_entries.at(index.row());
    switch (role) {
    case Qt::DisplayRole:
        return QStringLiteral("%1  %2").arg(Json::time(e.at), text(e));
    case KindRole:
        return e.kind;
    case EventJsonRole:
        return e.event;
    case AckedRole:
        return e.acked;
    case Qt::ToolTipRole:
        return Json::compact(e.event);
    case Qt::ForegroundRole:
        if (e.kind == QLatin1StringView("error"))
            return QColor(Qt::darkRed);
        if (e.outgoing)
            return e.acked ? QColor(Qt::darkGreen) : QColor(Qt::gray);
        if (e.kind == QLatin1StringView("system") || e.kind == QLatin1StringView("notification")
            || e.kind == QLatin1StringView("broadcast"))
            return QColor(Qt::darkBlue);
        return {};
    default:
        return {};
    }
}

void ChatTranscript::append(const Entry &e)
{
    const int row = int(m_entries.size());
    beginInsertRows({}, row, row);
    m_entries.append(e);
    endInsertRows();
}

bool ChatTranscript::addEvent(const QJsonObject &event)
{
    const QString type = Json::str(event, "type");
    if (type == QLatin1StringView("ack")) {
        const QString id = Json::str(event, "id");
        const auto it = m_pending.constFind(id);
        if (it == m_pending.cend())
            return false;
        const int row = *it;
        m_pending.erase(it);
        if (row < m_entries.size() && m_entries.at(row).outgoing && !m_entries.at(row).acked) {
            m_entries[row].acked = true;
            m_entries[row].seq = Json::num(event, "seq");
            Q_EMIT dataChanged(index(row), index(row));
            return true;
        }
        return false;
    }
    if (!shownTypes().contains(type))
        return false;
    // Our own status changes come back to us as presence: not news for the reader.
    if ((type == QLatin1StringView("presence") || type == QLatin1StringView("user_status"))
        && Json::id(event, "user_id") == m_ownUserId)
        return false;
    qint64 at = Json::num(event, "ts");
    if (at <= 0)
        at = QDateTime::currentMSecsSinceEpoch();
    append({at, type, event});
    return true;
}

void ChatTranscript::addOutgoing(const QJsonObject &frame, const QString &id)
{
    m_pending.insert(id, int(m_entries.size()));
    append({QDateTime::currentMSecsSinceEpoch(), Json::str(frame, "type"), frame, true});
}

void ChatTranscript::clear()
{
    beginResetModel();
    m_entries.clear();
    m_pending.clear();
    endResetModel();
}

void ChatTranscript::retranslate()
{
    if (!m_entries.isEmpty())
        Q_EMIT dataChanged(index(0), index(int(m_entries.size()) - 1));
}

QStringList ChatTranscript::lines() const
{
    QStringList result;
    for (const Entry &e : m_entries)
        result.append(text(e));
    return result;
}

} // namespace Switchboard::Console
