// SPDX-License-Identifier: MIT
#pragma once

#include <QAbstractTableModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

namespace Switchboard::Console {

// The server's access rules (GET /api/v1/access/rules) as a table: action, CIDR, note, expiry
// (local time and what is left), who created it and when. A refresh updates rows in place
// (selection survives polling); a rule whose expiry has passed leaves at the next tick, before
// the server is asked again.
class AccessRulesModel : public QAbstractTableModel
{
    Q_OBJECT

public:
    enum Column { Action, Cidr, Note, Expires, CreatedBy, CreatedAt, ColumnCount };
    enum Role { RuleIdRole = Qt::UserRole + 1, RuleJsonRole, SortRole };

    explicit AccessRulesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    // The server's list; rules already expired at `nowMs` are left out.
    void setRules(const QJsonArray &rules, qint64 nowMs);
    void clear();
    // Drops rules expired at `nowMs` and rewords the "left" of the others; true when a row
    // left.
    bool tick(qint64 nowMs);
    void retranslate();

    int rowOfRule(qint64 id) const;
    QJsonObject rule(qint64 id) const;
    QList<qint64> ruleIds() const;
    // The soonest expiry still ahead of `nowMs` (0: none).
    qint64 nextExpiry(qint64 nowMs) const;
    static QString actionText(const QString &action);
    // "never", "2026-12-05 15:00:00 (in 5 min 0 s)", "expired".
    static QString expiryText(qint64 expiresAtMs, qint64 nowMs);

private:
    QList<QJsonObject> m_rules;
    qint64 m_now = 0; // of the last setRules/tick: what "left" is counted from
};

} // namespace Switchboard::Console
