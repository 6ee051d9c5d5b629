// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace Switchboard::Console {

// The nodes of the service as GET /api/v1/nodes lists them (one row per node, from each node's
// heartbeat; one row on one node), replaced at each refresh. Shows only what the node JSON
// carries: a column no node has a value for says so (hasData()), and the view hides it.
class NodesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column {
        NodeId,
        State,
        Address,
        Connections,
        UsersOnline,
        Memory,
        MessagesPerSec,
        FramesInPerSec,
        FramesOutPerSec,
        Uptime,
        Version,
        Storage,
        HeartbeatAge,
        ColumnCount
    };
    enum Role {
        // The raw value of a cell (numbers as numbers), what the nodes view sorts by.
        SortRole = Qt::UserRole + 1,
        AliveRole,
    };
    // Rows kept at most: a larger list is cut (capped() says so; the view shows a note).
    static constexpr int MAX_NODES = 1000;

    explicit NodesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The "nodes" array of GET /api/v1/nodes, received at `receivedAt` (ms since the epoch).
    void setNodes(const QJsonArray &nodes, qint64 receivedAt);
    void clear();
    // Header and state words are translated in data(); tell the views after a language switch.
    void retranslate();
    // Heartbeat ages move with the clock: repaints that column (no reset).
    void tick();

    // Whether any node carries the field behind this column.
    bool hasData(int column) const;
    // The list had more nodes than MAX_NODES; reported() is how many it had.
    bool capped() const { return m_reported > m_nodes.size(); }
    int reported() const { return m_reported; }
    int staleCount() const;
    QJsonObject node(int row) const { return m_nodes.value(row); }
    int rowOfNode(const QString &nodeId) const;
    // Milliseconds since this node's last heartbeat, -1 when the node JSON has no updated_at
    // (one node answers for itself, without a heartbeat).
    qint64 heartbeatAgeMs(int row, qint64 now) const;

Q_SIGNALS:
    // After each setNodes() or clear(): counts, cap or columns may have changed.
    void nodesChanged();

private:
    static const char *key(int column);

    QList<QJsonObject> m_nodes;
    int m_reported = 0;
    // The answering node's clock when the list was made (its own entry's updated_at, the
    // newest): heartbeat ages are measured against it, not against this machine's clock.
    qint64 m_serverNow = 0;
    qint64 m_receivedAt = 0;
};

} // namespace Switchboard::Console
