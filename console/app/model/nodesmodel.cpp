// SPDX-License-Identifier: MIT
#include "nodesmodel.h"

#include "jsonfields.h"

#include <QDateTime>
#include <QLocale>

namespace Switchboard::Console {

NodesModel::NodesModel(QObject *parent)
    : QAbstractTableModel(parent)
{ }

int NodesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_nodes.size());
}

int NodesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

const char *NodesModel::key(int column)
{
    switch (column) {
    case NodeId:
        return "node_id";
    case State:
        return "alive";
    case Address:
        return "listen";
    case Connections:
        return "connections";
    case UsersOnline:
        return "users_online";
    case Memory:
        return "rss_bytes";
    case MessagesPerSec:
        return "messages_per_sec";
    case FramesInPerSec:
        return "frames_in_per_sec";
    case FramesOutPerSec:
        return "frames_out_per_sec";
    case Uptime:
        return "uptime_ms";
    case Version:
        return "version";
    case Storage:
        return "storage";
    case HeartbeatAge:
        return "updated_at";
    }
    return "";
}

bool NodesModel::hasData(int column) const
{
    const QLatin1StringView k(key(column));
    for (const QJsonObject &n : m_nodes) {
        const QJsonValue v = n.value(k);
        if (!v.isUndefined() && !v.isNull())
            return true;
    }
    return false;
}

int NodesModel::staleCount() const
{
    int stale = 0;
    for (const QJsonObject &n : m_nodes)
        stale += n.value(QLatin1StringView("alive")).toBool() ? 0 : 1;
    return stale;
}

int NodesModel::rowOfNode(const QString &nodeId) const
{
    for (int row = 0; row < m_nodes.size(); ++row) {
        if (Json::str(m_nodes.at(row), "node_id") == nodeId)
            return row;
    }
    return -1;
}

qint64 NodesModel::heartbeatAgeMs(int row, qint64 now) const
{
    const QJsonObject &n = m_nodes.at(row);
    if (!n.value(QLatin1StringView("updated_at")).isDouble())
        return -1;
    const qint64 sinceReceived = qMax<qint64>(0, now - m_receivedAt);
    return qMax<qint64>(0, m_serverNow - Json::num(n, "updated_at")) + sinceReceived;
}

QVariant NodesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_nodes.size())
        return {};
    const QJsonObject &n = m_nodes.at(index.row());
    const bool alive = n.value(QLatin1StringView("alive")).toBool();
    if (role == AliveRole)
        return alive;
    const QJsonValue v = n.value(QLatin1StringView(key(index.column())));
    const bool present = !v.isUndefined() && !v.isNull();
    if (role == SortRole) {
        if (index.column() == HeartbeatAge)
            return heartbeatAgeMs(index.row(), QDateTime::currentMSecsSinceEpoch());
        return v.toVariant();
    }
    if (role == Qt::ToolTipRole && index.column() == State && !alive)
        return tr("No heartbeat from this node: it stopped, or lost Redis. A surviving node "
                  "takes it out of the list.");
    if (role == Qt::TextAlignmentRole) {
        switch (index.column()) {
        case Connections:
        case UsersOnline:
        case Memory:
        case MessagesPerSec:
        case FramesInPerSec:
        case FramesOutPerSec:
        case Uptime:
        case HeartbeatAge:
            return int(Qt::AlignRight | Qt::AlignVCenter);
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case NodeId: {
        const QString id = v.toString();
        // One node without Redis has no id: it is the server the console is connected to.
        return id.isEmpty() ? tr("(this server)") : id;
    }
    case State:
        return alive ? tr("alive") : tr("stale");
    case Connections:
    case UsersOnline:
        return present ? QLocale().toString(Json::num(n, key(index.column()))) : QString();
    case Memory:
        return present && Json::num(n, "rss_bytes") > 0 ? Json::bytes(Json::num(n, "rss_bytes"))
                                                        : QString();
    case MessagesPerSec:
    case FramesInPerSec:
    case FramesOutPerSec:
        // Over the node's last 2 s (its heartbeat's rates).
        return present ? QLocale().toString(v.toDouble(), 'f', 1) : QString();
    case Uptime:
        return present ? Json::duration(Json::num(n, "uptime_ms")) : QString();
    case Storage: {
        const QString storage = v.toString();
        return storage == QLatin1StringView("postgres") ? QStringLiteral("PostgreSQL")
            : storage == QLatin1StringView("sqlite")    ? QStringLiteral("SQLite")
                                                        : storage;
    }
    case HeartbeatAge: {
        const qint64 age = heartbeatAgeMs(index.row(), QDateTime::currentMSecsSinceEpoch());
        return age < 0 ? QString() : tr("%1 ago").arg(Json::duration(age));
    }
    default:
        return v.toString();
    }
}

QVariant NodesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NodeId:
        return tr("Node");
    case State:
        return tr("State");
    case Address:
        return tr("Address");
    case Connections:
        return tr("Connections");
    case UsersOnline:
        return tr("Users online");
    case Memory:
        return tr("Memory");
    case MessagesPerSec:
        return tr("Messages/s");
    case FramesInPerSec:
        return tr("Frames in/s");
    case FramesOutPerSec:
        return tr("Frames out/s");
    case Uptime:
        return tr("Uptime");
    case Version:
        return tr("Version");
    case Storage:
        return tr("Storage");
    case HeartbeatAge:
        return tr("Last heartbeat");
    }
    return {};
}

void NodesModel::setNodes(const QJsonArray &nodes, qint64 receivedAt)
{
    QList<QJsonObject> fresh;
    fresh.reserve(qMin<qsizetype>(nodes.size(), MAX_NODES));
    qint64 serverNow = 0;
    for (const QJsonValue &v : nodes) {
        const QJsonObject n = v.toObject();
        serverNow = qMax(serverNow, Json::num(n, "updated_at"));
        if (fresh.size() < MAX_NODES)
            fresh.append(n);
    }
    // The same nodes in the same order (the usual refresh): values change in place, so the
    // view keeps its selection and scroll position.
    bool sameRows = fresh.size() == m_nodes.size();
    for (qsizetype i = 0; sameRows && i < fresh.size(); ++i)
        sameRows = Json::str(fresh.at(i), "node_id") == Json::str(m_nodes.at(i), "node_id");
    if (sameRows) {
        m_nodes = std::move(fresh);
    } else {
        beginResetModel();
        m_nodes = std::move(fresh);
    }
    m_reported = int(nodes.size());
    m_serverNow = serverNow;
    m_receivedAt = receivedAt;
    if (!sameRows)
        endResetModel();
    else if (!m_nodes.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_nodes.size()) - 1, ColumnCount - 1));
    Q_EMIT nodesChanged();
}

void NodesModel::clear()
{
    beginResetModel();
    m_nodes.clear();
    m_reported = 0;
    m_serverNow = 0;
    m_receivedAt = 0;
    endResetModel();
    Q_EMIT nodesChanged();
}

void NodesModel::retranslate()
{
    Q_EMIT headerDataChanged(Qt::Horizontal, 0, ColumnCount - 1);
    if (!m_nodes.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_nodes.size()) - 1, ColumnCount - 1));
}

void NodesModel::tick()
{
    if (!m_nodes.isEmpty())
        Q_EMIT dataChanged(index(0, HeartbeatAge), index(int(m_nodes.size()) - 1, HeartbeatAge),
                           {Qt::DisplayRole, SortRole});
}

} // namespace Switchboard::Console
