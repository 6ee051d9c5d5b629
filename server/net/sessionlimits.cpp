// SPDX-License-Identifier: MIT
#include "sessionlimits.h"

#include "config/config.h"

namespace Switchboard {

using namespace Protocol;

namespace {

template<typename... F> struct Overloads : F...
{
    using F::operator()...;
};
template<typename... F> Overloads(F...) -> Overloads<F...>;

} // namespace

SessionLimits::SessionLimits(const Config &config, RateLimiter<qint64> *users, qint64 nowMs)
    : m_config(config)
    , m_users(users)
    , m_frames(config.connFrameRate, config.connFrameBurst, nowMs)
    , m_bytes(double(config.connByteRate), double(config.connByteBurst), nowMs)
{ }

double SessionLimits::cost(const ClientMessage *message) const
{
    if (!message)
        return 1;
    return std::visit(
        Overloads {
            [this](const HistoryRequest &) { return m_config.expensiveRequestCost; },
            [this](const PresenceQueryRequest &) { return m_config.expensiveRequestCost; },
            [this](const RoomListRequest &) { return m_config.expensiveRequestCost; },
            [](const auto &) { return 1; },
        },
        *message);
}

bool SessionLimits::needsStore(const ClientMessage &message)
{
    return std::visit(
        Overloads {
            [](const SendRequest &) { return true; },
            [](const NotifyRequest &r) { return r.toUserId != 0 || !r.toExternalId.isEmpty(); },
            // a backend's own id may have to be looked up
            [](const TypingRequest &r) { return !r.toExternalId.isEmpty(); },
            [](const RoomSettingsRequest &) { return true; },
            [](const RoomActionRequest &r) { return r.action != RoomActionRequest::Action::Get; },
            [](const RoomInviteRequest &) { return true; },
            [](const RoomSendRequest &) { return true; },
            [](const PresenceQueryRequest &) { return true; },
            [](const HistoryRequest &) { return true; },
            [](const auto &) { return false; },
        },
        message);
}

SessionLimits::Verdict SessionLimits::admit(qint64 userId, const ClientMessage *message,
                                            qsizetype bytes, qint64 nowMs)
{
    const double frameCost = cost(message);
    qint64 wait = m_frames.take(frameCost, nowMs);
    if (!wait) {
        wait = m_bytes.take(double(bytes), nowMs);
        if (wait) {
            m_frames.refund(frameCost);
        } else if (m_users && userId != 0) {
            wait = m_users->take(userId, frameCost, nowMs);
            if (wait) {
                m_frames.refund(frameCost);
                m_bytes.refund(double(bytes));
            }
        }
    }
    Verdict verdict;
    if (!wait)
        return verdict;
    verdict.retryAfterMs = wait;
    if (nowMs - m_windowStartMs >= ABUSE_WINDOW_MS) {
        m_windowStartMs = nowMs;
        m_refusals = 0;
    }
    ++m_refusals;
    verdict.close = m_config.rateLimitCloseAfter > 0 && m_refusals > m_config.rateLimitCloseAfter;
    return verdict;
}

} // namespace Switchboard
