// SPDX-License-Identifier: MIT
// The users REST requests name and REST replies show (docs/API.md, "User ids"): a number or a
// backend's external id, read and mapped in one place for every route (ExternalIds::lookUp),
// and shown back by the external id where the user has one.
#include "restapi.h"

#include "auth/externalids.h"
#include "hub/messageservice.h"
#include "protocol/codec.h"

#include <QJsonArray>

namespace Switchboard::RestApi {

using Protocol::ErrorCode;

void withUser(RestServices *s, const QJsonValue &value, const QString &field, bool create,
              const ReplyPtr &reply, std::function<void(const ExternalIds::Lookup &)> then)
{
    const auto answer = [reply, field, then = std::move(then)](const ExternalIds::Lookup &found) {
        if (found.found())
            then(found);
        else
            reply->error(found.errorCode(), found.errorText(field));
    };
    if (s->externalIds) {
        s->externalIds->lookUp(value, create, answer);
        return;
    }
    ExternalIds::Lookup number; // no mapping wired: numbers only
    bool ok = false;
    number.userId = Protocol::userIdFromJson(value, &ok);
    number.status = ok ? ExternalIds::Lookup::Status::Found : ExternalIds::Lookup::Status::Invalid;
    answer(number);
}

void withUsers(RestServices *s, const QList<QJsonValue> &values, const QString &field,
               const ReplyPtr &reply, std::function<void(QList<qint64>)> then)
{
    if (!s->externalIds) { // no mapping wired: numbers only
        QList<qint64> ids;
        for (const QJsonValue &v : values) {
            bool ok = false;
            withUser(s, v, field, false, reply, [&ids, &ok](const ExternalIds::Lookup &found) {
                ids.append(found.userId);
                ok = true;
            });
            if (!ok)
                return; // answered
        }
        then(ids);
        return;
    }
    s->externalIds->lookUpAll(values, false,
                              [reply, field, then = std::move(then)](
                                  const QList<qint64> &ids, const ExternalIds::Lookup *failed) {
                                  if (failed)
                                      reply->error(failed->errorCode(), failed->errorText(field));
                                  else
                                      then(ids);
                              });
}

Sender callerOf(const RestRequest &request)
{
    Sender caller;
    if (request.principal.kind == Principal::Kind::User) {
        caller.userId = request.principal.claims.userId;
        caller.username = request.principal.claims.username;
        caller.admin = request.principal.claims.admin;
    } else {
        caller.admin = request.principal.kind == Principal::Kind::ApiKey;
    }
    return caller;
}

void withActor(RestServices *s, const RestRequest &request, const QJsonObject &body,
               const QString &userKey, bool userRequired, const ReplyPtr &reply,
               std::function<void(const Sender &)> then)
{
    Sender actor = callerOf(request);
    if (request.principal.kind == Principal::Kind::User) {
        then(actor);
        return;
    }
    const QJsonValue v = body.value(userKey);
    if (v.isUndefined() || v.isNull()) {
        if (userRequired) {
            reply->error(
                ErrorCode::ValidationError,
                QStringLiteral("with the API key, '%1' names the user to act for").arg(userKey));
            return;
        }
        then(actor);
        return;
    }
    withUser(s, v, userKey, false, reply,
             [actor, then = std::move(then)](const ExternalIds::Lookup &user) mutable {
                 actor.userId = user.userId;
                 then(actor);
             });
}

void showUsers(RestServices *s, const QList<qint64> &userIds,
               std::function<void(const UserNames &)> then)
{
    if (!s->externalIds) {
        then(UserNames());
        return;
    }
    s->externalIds->externalIdsOf(userIds, [then = std::move(then)](QHash<qint64, QString> ids) {
        then(UserNames(std::move(ids)));
    });
}

QJsonValue UserNames::shown(qint64 userId) const
{
    const QString external = m_externalIds.value(userId);
    return external.isEmpty() ? QJsonValue(userId) : QJsonValue(external);
}

QJsonArray UserNames::shownIn(QJsonArray objects, const QString &field) const
{
    for (qsizetype i = 0; i < objects.size(); ++i) {
        QJsonObject o = objects.at(i).toObject();
        const QJsonValue id = o.value(field);
        if (id.isDouble()) {
            o.insert(field, shown(id.toInteger()));
            objects.replace(i, o);
        }
    }
    return objects;
}

QList<qint64> userIdsIn(const QJsonArray &objects, const QString &field)
{
    QList<qint64> ids;
    for (const QJsonValue &o : objects) {
        const QJsonValue id = o.toObject().value(field);
        if (id.isDouble())
            ids.append(id.toInteger());
    }
    return ids;
}

} // namespace Switchboard::RestApi
