// SPDX-License-Identifier: MIT
#pragma once

#include "rest/restrequest.h"

#include <functional>

#include <QList>
#include <QRegularExpression>

namespace Switchboard {

// Who may call a route.
enum class Access { Public, User, Admin };

// Method + path-pattern routing for the REST API: `{name}` segments capture one path segment.
// Unlike QHttpServer 6.4 it tells "no such path" (404) from "wrong method" (405).
class Router
{
public:
    using Handler = std::function<void(const RestRequest &, const ReplyPtr &)>;

    // `methods` like "GET" or "GET|HEAD"; several patterns may share one handler (aliases).
    void add(const QByteArray &methods, const QStringList &patterns, Access access,
             Handler handler);

    enum class Match { Found, NotFound, WrongMethod };
    struct Result
    {
        Match match = Match::NotFound;
        const Handler *handler = nullptr;
        Access access = Access::Public;
        QStringList params;
        QByteArray allowed; // for 405: the methods the path does accept
    };
    Result route(const QByteArray &method, const QString &path) const;

private:
    struct Route
    {
        QList<QByteArray> methods;
        QRegularExpression pattern;
        Access access;
        Handler handler;
    };
    QList<Route> m_routes;
};

} // namespace Switchboard
