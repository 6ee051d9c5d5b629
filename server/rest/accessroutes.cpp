// SPDX-License-Identifier: MIT
// IP access rules (docs/API.md "Access rules"): list, preview what a rule would cut, add (and
// cut), remove. Admin only; the rules themselves live in AccessControl.
#include "restapi.h"

#include "config/config.h"
#include "hub/accessrules.h"
#include "protocol/events.h"

#include <QJsonArray>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcAdmin)

namespace Switchboard::RestApi {

using namespace Protocol;

namespace {

QJsonObject ruleJson(const AccessRuleRecord &r)
{
    return {
        {QStringLiteral("id"), r.id},
        {QStringLiteral("action"), r.action},
        {QStringLiteral("cidr"), r.cidr},
        {QStringLiteral("note"), r.note},
        {QStringLiteral("expires_at"), r.expiresAt > 0 ? QJsonValue(r.expiresAt) : QJsonValue()},
        {QStringLiteral("created_at"), r.createdAt},
        {QStringLiteral("created_by"), r.createdBy}};
}

// The rule of a preview or add body, validated and normalised; false (answered) when bad.
bool ruleFromBody(const RestRequest &request, AccessRuleRecord *rule, bool *force,
                  const ReplyPtr &reply)
{
    QJsonObject body;
    QString error;
    if (!request.jsonBody(&body, &error)) {
        reply->error(ErrorCode::InvalidJson, error);
        return false;
    }
    const auto fail = [&reply](const QString &message) {
        reply->error(ErrorCode::ValidationError, message);
        return false;
    };
    const QJsonValue action = body.value(QStringLiteral("action"));
    const QJsonValue cidr = body.value(QStringLiteral("cidr"));
    const QJsonValue note = body.value(QStringLiteral("note"));
    const QJsonValue expires = body.value(QStringLiteral("expires_at"));
    const QJsonValue forceValue = body.value(QStringLiteral("force"));
    if (!action.isString())
        return fail(QStringLiteral("'action' must be allow or deny"));
    if (!cidr.isString())
        return fail(QStringLiteral("'cidr' must be a string like 10.0.0.0/8 or 2001:db8::/32"));
    if (!note.isUndefined() && !note.isNull() && !note.isString())
        return fail(QStringLiteral("'note' must be a string"));
    if (!expires.isUndefined() && !expires.isNull()) {
        const double d = expires.toDouble(-1);
        if (!expires.isDouble() || d <= 0 || d > 9e15 || d != double(qint64(d)))
            return fail(QStringLiteral("'expires_at' must be null or a time in ms since epoch"));
        rule->expiresAt = qint64(d);
    }
    if (!forceValue.isUndefined() && !forceValue.isNull() && !forceValue.isBool())
        return fail(QStringLiteral("'force' must be true or false"));
    if (force)
        *force = forceValue.toBool(false);
    rule->action = action.toString();
    rule->cidr = cidr.toString();
    rule->note = note.toString();
    if (!AccessRules::validate(rule, Events::nowMs(), &error))
        return fail(error);
    return true;
}

QJsonObject impactJson(const AccessRules::Impact &impact)
{
    return {{QStringLiteral("connections"), impact.connections},
            {QStringLiteral("users"), impact.users},
            {QStringLiteral("addresses"), impact.addresses}};
}

} // namespace

void addAccessRoutes(Router &router, RestServices *s)
{
    router.add("GET", {QStringLiteral("/api/v1/access/rules")}, Access::Admin,
               [s](const RestRequest &, const ReplyPtr &reply) {
                   QJsonArray list;
                   for (const AccessRuleRecord &r : s->access->rules())
                       list.append(ruleJson(r));
                   reply->json(200, {{QStringLiteral("rules"), list}});
               });

    router.add("POST", {QStringLiteral("/api/v1/access/rules/preview")}, Access::Admin,
               [s](const RestRequest &request, const ReplyPtr &reply) {
                   AccessRuleRecord rule;
                   if (!ruleFromBody(request, &rule, nullptr, reply))
                       return;
                   const auto impact = s->access->preview(rule, request.remoteAddress);
                   QJsonObject out = impactJson(impact);
                   out.insert(QStringLiteral("cuts_caller"), impact.cutsCaller);
                   reply->json(200, out);
               });

    router.add(
        "POST", {QStringLiteral("/api/v1/access/rules")}, Access::Admin,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            AccessRuleRecord rule;
            bool force = false;
            if (!ruleFromBody(request, &rule, &force, reply))
                return;
            if (!force && s->access->preview(rule, request.remoteAddress).cutsCaller) {
                reply->error(ErrorCode::Conflict,
                             QStringLiteral("this rule would refuse your own address %1; send "
                                            "\"force\":true to add it anyway")
                                 .arg(request.remoteAddress.toString()));
                return;
            }
            rule.createdBy = request.principal.kind == Principal::Kind::User
                ? request.principal.claims.username
                : QStringLiteral("api-key");
            s->access->add(rule,
                           [s, reply](AccessRules::Failure failure, const AccessRuleRecord &stored,
                                      const AccessRules::Impact &impact) {
                               if (failure == AccessRules::Failure::LimitReached) {
                                   reply->error(ErrorCode::LimitReached,
                                                QStringLiteral("there are %1 access rules already "
                                                               "(max_access_rules)")
                                                    .arg(s->config->maxAccessRules));
                                   return;
                               }
                               if (failure == AccessRules::Failure::Unavailable) {
                                   reply->error(ErrorCode::Unavailable,
                                                QStringLiteral("database unavailable"));
                                   return;
                               }
                               reply->json(201,
                                           {{QStringLiteral("rule"), ruleJson(stored)},
                                            {QStringLiteral("cut"), impactJson(impact)}});
                           });
        });

    router.add(
        "DELETE", {QStringLiteral("/api/v1/access/rules/{id}")}, Access::Admin,
        [s](const RestRequest &request, const ReplyPtr &reply) {
            bool ok = false;
            const qint64 id = request.params.value(0).toLongLong(&ok);
            if (!ok || id <= 0) {
                reply->error(ErrorCode::ValidationError,
                             QStringLiteral("the rule id must be a positive integer"));
                return;
            }
            const bool force = request.query.queryItemValue(QStringLiteral("force"))
                == QLatin1StringView("true");
            if (!force && s->access->previewRemoval(id, request.remoteAddress).cutsCaller) {
                reply->error(ErrorCode::Conflict,
                             QStringLiteral("without this rule your own address %1 is refused; "
                                            "add ?force=true to remove it anyway")
                                 .arg(request.remoteAddress.toString()));
                return;
            }
            s->access->remove(id, [reply, id](std::optional<bool> removed) {
                if (!removed)
                    reply->error(ErrorCode::Unavailable, QStringLiteral("database unavailable"));
                else if (!*removed)
                    reply->error(ErrorCode::NotFound, QStringLiteral("no access rule %1").arg(id));
                else
                    reply->raw(204, QByteArray(), QByteArray());
            });
        });
}

} // namespace Switchboard::RestApi
