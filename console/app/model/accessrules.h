// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QTimer>

namespace Switchboard::Console {

class AccessRulesModel;
class AdminSession;

// A rule as the operator fills it in, before it exists on the server.
struct AccessRuleDraft
{
    QString action = QStringLiteral("deny"); // "deny" or "allow"
    QString cidr; // as typed; checked by the server
    QString note;
    qint64 expiresAtMs = 0; // 0: never
    QJsonObject toJson() const;
};

// What a rule set refuses among the live connections: the preview before saving, or what a
// save cut. -1: not known.
struct AccessCut
{
    int connections = -1;
    int users = -1;
    int addresses = -1;
    bool cutsCaller = false; // the operator's own address is among them (preview only)
    static AccessCut fromJson(const QJsonObject &o);
    bool known() const { return connections >= 0; }
};

// A refusal or failure of a REST call, kept as data and worded when shown, so that a language
// switch rewords it (known server codes through ServerError).
struct AccessError
{
    QString code; // the server's error code, "" for a transport failure
    QString message; // the server's message
    QString fallback; // worded at the time: transport errors, replies without an error body
    static AccessError from(const QJsonObject &reply, const QString &error);
    QString text() const;
};

// The operator's access rules on one server (admin only): the list, kept current by polling
// and at each rule's expiry, and the REST calls behind the Access view (preview, save with or
// without force, delete). No widgets; errors arrive worded for the operator.
class AccessRules : public QObject
{
    Q_OBJECT

public:
    // The list is asked again this often while connected (rules added elsewhere, expiries
    // the server applied); a rule's own expiry also refreshes it at that moment.
    static constexpr int REFRESH_INTERVAL_MS = 30000;
    // "in 4 min 59 s" is reworded, and expired rules leave, this often.
    static constexpr int TICK_INTERVAL_MS = 1000;

    explicit AccessRules(AdminSession *session, QObject *parent = nullptr);

    AccessRulesModel *model() const { return m_model; }
    // True once the server refused this account the rules (403), until the next session.
    bool forbidden() const { return m_forbidden; }
    bool loaded() const { return m_loaded; }
    // True when the server has no access rules API (404 on the list: older than the console).
    bool unsupported() const { return m_unsupported; }

    // A CIDR the server can take: an IPv4 or IPv6 address with an optional prefix length.
    static bool isValidCidr(const QString &typed);

public Q_SLOTS:
    void refresh();
    void preview(const Switchboard::Console::AccessRuleDraft &draft);
    // force: also when the rule refuses the caller's own address (after the operator agreed).
    void save(const Switchboard::Console::AccessRuleDraft &draft, bool force = false);
    // force: also when without the rule the caller's own address is refused (agreed).
    void remove(qint64 id, bool force = false);

Q_SIGNALS:
    void refreshed();
    void refreshFailed(const Switchboard::Console::AccessError &error);
    void forbiddenChanged(bool forbidden);
    void unsupportedChanged(bool unsupported);
    // The answer to the newest preview(); older answers are dropped.
    void previewed(const Switchboard::Console::AccessCut &cut);
    void previewFailed(const Switchboard::Console::AccessError &error);
    void saved(const QJsonObject &rule, const Switchboard::Console::AccessCut &cut);
    // 409 CONFLICT: the rule would refuse the operator's own address; save again with force.
    void saveNeedsForce(const Switchboard::Console::AccessRuleDraft &draft);
    void saveFailed(const Switchboard::Console::AccessError &error);
    void removed(qint64 id);
    // 409 CONFLICT: without this (allow) rule the operator's own address is refused; remove
    // again with force.
    void removeNeedsForce(qint64 id);
    void removeFailed(qint64 id, const Switchboard::Console::AccessError &error);

private:
    void sessionStateChanged();
    void setForbidden(bool forbidden);
    void updateTicking();
    void onTick();
    // True (and the view told) when the reply is the server's FORBIDDEN.
    bool noteForbidden(const QJsonObject &reply);

    AdminSession *m_session;
    AccessRulesModel *m_model;
    QTimer m_poll;
    QTimer m_tick; // runs while a shown rule has an expiry
    quint64 m_previewQuery = 0;
    bool m_forbidden = false;
    bool m_loaded = false;
    bool m_unsupported = false;
};

} // namespace Switchboard::Console

Q_DECLARE_METATYPE(Switchboard::Console::AccessCut)
Q_DECLARE_METATYPE(Switchboard::Console::AccessError)
Q_DECLARE_METATYPE(Switchboard::Console::AccessRuleDraft)
