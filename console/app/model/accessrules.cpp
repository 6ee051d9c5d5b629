// SPDX-License-Identifier: MIT
#include "accessrules.h"

#include "accessrulesmodel.h"
#include "adminsession.h"
#include "consolelogging.h"
#include "jsonfields.h"
#include "servererror.h"

#include <QDateTime>
#include <QHostAddress>
#include <QJsonArray>
#include <QPointer>

namespace Switchboard::Console {

namespace {
qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

const QString RULES_PATH = QStringLiteral("/api/v1/access/rules");
} // namespace

QJsonObject AccessRuleDraft::toJson() const
{
    QJsonObject o {{QStringLiteral("action"), action}, {QStringLiteral("cidr"), cidr.trimmed()}};
    if (!note.trimmed().isEmpty())
        o.insert(QStringLiteral("note"), note.trimmed());
    if (expiresAtMs > 0)
        o.insert(QStringLiteral("expires_at"), expiresAtMs);
    return o;
}

AccessError AccessError::from(const QJsonObject &reply, const QString &error)
{
    const QJsonObject e = reply.value(QLatin1StringView("error")).toObject();
    return {Json::str(e, "code"), Json::str(e, "message"), error};
}

QString AccessError::text() const
{
    if (code.isEmpty())
        return fallback;
    // The code in words and the server's own message, which says which field and why
    // ("'10.0.0.300/8' is not an IPv4 or IPv6 address…").
    if (!ServerError::isKnown(code) || message.isEmpty())
        return ServerError::text(code, message);
    return AccessRules::tr("%1: %2").arg(ServerError::text(code, QString()), message);
}

AccessCut AccessCut::fromJson(const QJsonObject &o)
{
    AccessCut cut;
    cut.connections = int(Json::num(o, "connections", -1));
    cut.users = int(Json::num(o, "users", -1));
    cut.addresses = int(Json::num(o, "addresses", -1));
    cut.cutsCaller = o.value(QLatin1StringView("cuts_caller")).toBool();
    return cut;
}

bool AccessRules::isValidCidr(const QString &typed)
{
    const QString t = typed.trimmed();
    if (t.isEmpty())
        return false;
    // parseSubnet takes "a.b.c.d/n", "x::/n" and a bare address; it also takes a netmask
    // ("/255.0.0.0"), which the server's CIDR syntax does not: a prefix must be a number.
    const qsizetype slash = t.indexOf(QLatin1Char('/'));
    if (slash >= 0) {
        bool isNumber = false;
        t.mid(slash + 1).toInt(&isNumber);
        if (!isNumber)
            return false;
    }
    // QHostAddress also takes short IPv4 forms ("10.0.0." or "10.1"), half typed as often as
    // meant: a preview waits for four parts.
    const QString host = slash >= 0 ? t.left(slash) : t;
    if (!host.contains(QLatin1Char(':'))) {
        const QStringList parts = host.split(QLatin1Char('.'));
        if (parts.size() != 4 || parts.contains(QString()))
            return false;
    }
    const auto [address, prefix] = QHostAddress::parseSubnet(t);
    return !address.isNull() && prefix >= 0;
}

AccessRules::AccessRules(AdminSession *session, QObject *parent)
    : QObject(parent)
    , m_session(session)
    , m_model(new AccessRulesModel(this))
{
    qRegisterMetaType<AccessCut>();
    qRegisterMetaType<AccessError>();
    qRegisterMetaType<AccessRuleDraft>();
    m_poll.setInterval(REFRESH_INTERVAL_MS);
    connect(&m_poll, &QTimer::timeout, this, &AccessRules::refresh);
    m_tick.setInterval(TICK_INTERVAL_MS);
    connect(&m_tick, &QTimer::timeout, this, &AccessRules::onTick);
    connect(m_session, &AdminSession::stateChanged, this, &AccessRules::sessionStateChanged);
    sessionStateChanged();
}

void AccessRules::sessionStateChanged()
{
    switch (m_session->state()) {
    case AdminSession::State::Connected: {
        // The welcome says the role; a non-admin is not asked (the server would say 403).
        const QJsonObject user = m_session->connection()
            ? m_session->connection()->welcome().value(QLatin1StringView("user")).toObject()
            : QJsonObject();
        const bool admin = Json::str(user, "role") == QLatin1StringView("admin");
        setForbidden(!admin);
        if (admin) {
            m_poll.start();
            refresh();
        }
        break;
    }
    case AdminSession::State::Reconnecting:
        m_poll.stop(); // the list stays; a reconnect refreshes it
        break;
    case AdminSession::State::Failed:
        m_poll.stop();
        break;
    case AdminSession::State::Disconnected:
    case AdminSession::State::Authorizing:
    case AdminSession::State::Connecting:
        // Another session (maybe another server, another account) follows.
        m_poll.stop();
        m_loaded = false;
        setForbidden(false);
        if (m_unsupported) {
            m_unsupported = false;
            Q_EMIT unsupportedChanged(false);
        }
        m_model->clear();
        updateTicking();
        break;
    }
}

void AccessRules::setForbidden(bool forbidden)
{
    if (forbidden)
        m_model->clear();
    if (m_forbidden == forbidden)
        return;
    m_forbidden = forbidden;
    Q_EMIT forbiddenChanged(forbidden);
}

bool AccessRules::noteForbidden(const QJsonObject &reply)
{
    const QJsonObject error = reply.value(QLatin1StringView("error")).toObject();
    if (Json::str(error, "code") != QLatin1StringView("FORBIDDEN"))
        return false;
    m_poll.stop();
    setForbidden(true);
    return true;
}

void AccessRules::refresh()
{
    if (m_forbidden || m_unsupported || m_session->state() != AdminSession::State::Connected)
        return;
    const QPointer<AccessRules> self(this);
    m_session->rest("GET", RULES_PATH, {},
                    [this, self](bool ok, const QJsonObject &json, const QString &error) {
                        if (!self)
                            return;
                        if (!ok) {
                            qCInfo(lcConsole) << "access rules not loaded:" << error;
                            const AccessError failure = AccessError::from(json, error);
                            if (failure.code == QLatin1StringView("NOT_FOUND")) {
                                m_poll.stop();
                                m_unsupported = true;
                                Q_EMIT unsupportedChanged(true);
                            } else if (!noteForbidden(json)) {
                                Q_EMIT refreshFailed(failure);
                            }
                            return;
                        }
                        m_loaded = true;
                        m_model->setRules(json.value(QLatin1StringView("rules")).toArray(),
                                          nowMs());
                        updateTicking();
                        Q_EMIT refreshed();
                    });
}

void AccessRules::updateTicking()
{
    if (m_model->nextExpiry(nowMs()) > 0) {
        if (!m_tick.isActive())
            m_tick.start();
    } else {
        m_tick.stop();
    }
}

void AccessRules::onTick()
{
    // A rule leaves the table at its expiry moment; the server is asked right after, so what
    // it shows is the server's list again (a rule may have been changed meanwhile).
    if (m_model->tick(nowMs()))
        refresh();
    updateTicking();
}

void AccessRules::preview(const AccessRuleDraft &draft)
{
    const quint64 query = ++m_previewQuery;
    const QPointer<AccessRules> self(this);
    m_session->rest("POST", RULES_PATH + QStringLiteral("/preview"), draft.toJson(),
                    [this, self, query](bool ok, const QJsonObject &json, const QString &error) {
                        if (!self || query != m_previewQuery)
                            return; // the draft changed meanwhile; a newer answer is coming
                        if (!ok) {
                            noteForbidden(json);
                            Q_EMIT previewFailed(AccessError::from(json, error));
                            return;
                        }
                        Q_EMIT previewed(AccessCut::fromJson(json));
                    });
}

void AccessRules::save(const AccessRuleDraft &draft, bool force)
{
    ++m_previewQuery; // a preview still on its way describes the rule set before this one
    QJsonObject body = draft.toJson();
    if (force)
        body.insert(QStringLiteral("force"), true);
    const QPointer<AccessRules> self(this);
    m_session->rest(
        "POST", RULES_PATH, body,
        [this, self, draft, force](bool ok, const QJsonObject &json, const QString &error) {
            if (!self)
                return;
            if (!ok) {
                const QString code
                    = Json::str(json.value(QLatin1StringView("error")).toObject(), "code");
                if (code == QLatin1StringView("CONFLICT") && !force) {
                    Q_EMIT saveNeedsForce(draft);
                    return;
                }
                noteForbidden(json);
                Q_EMIT saveFailed(AccessError::from(json, error));
                return;
            }
            const QJsonObject rule = json.value(QLatin1StringView("rule")).toObject();
            const AccessCut cut
                = AccessCut::fromJson(json.value(QLatin1StringView("cut")).toObject());
            qCInfo(lcConsole) << "access rule" << Json::id(rule, "id") << "saved, cut"
                              << cut.connections << "connections";
            Q_EMIT saved(rule, cut);
            refresh();
        });
}

void AccessRules::remove(qint64 id, bool force)
{
    const QPointer<AccessRules> self(this);
    const QString path = RULES_PATH + QStringLiteral("/%1").arg(id)
        + (force ? QStringLiteral("?force=true") : QString());
    m_session->rest(
        "DELETE", path, {},
        [this, self, id, force](bool ok, const QJsonObject &json, const QString &error) {
            if (!self)
                return;
            if (!ok) {
                const QString code
                    = Json::str(json.value(QLatin1StringView("error")).toObject(), "code");
                if (code == QLatin1StringView("CONFLICT") && !force) {
                    Q_EMIT removeNeedsForce(id);
                    return;
                }
                noteForbidden(json);
                Q_EMIT removeFailed(id, AccessError::from(json, error));
                return;
            }
            Q_EMIT removed(id);
            refresh();
        });
}

} // namespace Switchboard::Console
