// SPDX-License-Identifier: MIT
#include "eventlogfilter.h"

#include "eventlogmodel.h"
#include "jsonfields.h"

#include <QDateTime>
#include <QJsonObject>
#include <QSaveFile>

namespace Switchboard::Console {

EventLogFilter::EventLogFilter(QObject *parent)
    : QSortFilterProxyModel(parent)
{ }

void EventLogFilter::setCategory(int category)
{
    m_category = category;
    invalidateFilter();
}

void EventLogFilter::setText(const QString &text)
{
    m_text = text.trimmed().toLower();
    invalidateFilter();
}

bool EventLogFilter::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const
{
    const QModelIndex idx = sourceModel()->index(sourceRow, EventLogModel::Text, sourceParent);
    if (m_category >= 0 && idx.data(EventLogModel::CategoryRole).toInt() != m_category)
        return false;
    if (m_text.isEmpty())
        return true;
    // The model keeps each row's lower-case text: a keystroke does not describe and
    // serialise every row again.
    return idx.data(EventLogModel::SearchTextRole).toString().contains(m_text);
}

bool EventLogFilter::exportTo(const QString &path, QString *error) const
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text)) {
        *error = file.errorString();
        return false;
    }
    const bool jsonLines
        = path.endsWith(QLatin1StringView(".jsonl")) || path.endsWith(QLatin1StringView(".json"));
    for (int row = 0; row < rowCount(); ++row) {
        const QModelIndex text = index(row, EventLogModel::Text);
        const qint64 at = text.data(EventLogModel::TimestampRole).toLongLong();
        const QString iso = QDateTime::fromMSecsSinceEpoch(at).toString(Qt::ISODateWithMs);
        QJsonObject event = text.data(EventLogModel::EventJsonRole).toJsonObject();
        QString line;
        if (jsonLines) {
            event.insert(QStringLiteral("logged_at"), iso);
            event.insert(QStringLiteral("text"), text.data().toString());
            line = Json::compact(event);
        } else {
            line = QStringList {iso, index(row, EventLogModel::Category).data().toString(),
                                text.data().toString(), Json::compact(event)}
                       .join(QLatin1Char('\t'));
        }
        file.write(line.toUtf8() + '\n');
    }
    if (!file.commit()) {
        *error = file.errorString();
        return false;
    }
    return true;
}

} // namespace Switchboard::Console
