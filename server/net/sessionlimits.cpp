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

BucketRate frameRate(const Config &config)
{
    return {double(config.connFrameRate), double(config.connFrameBurst)};
}

BucketRate byteRate(const Config &config)
{
    return {double(config.connByteRate), double(config.connByteBurst)};
}

} // namespace

SessionLimits::SessionLimits(const Config &config, qint64 nowMs)
    : m_frames(frameRate(config), nowMs)
    , m_bytes(byteRate(config), nowMs)
{ }

double SessionLimits::cost(const Config &config, const ClientMessage *message)
{
    if (!message)
        return 1;
    const double expensive = config.expensiveRequestCost;
    return std::visit(Overloads {
                          [expensive](const HistoryRequest &) { return expensive; },
                          [expensive](const PresenceQueryRequest &) { return expensive; },
                          [expensive](const RoomListRequest &) { return expensive; },
                          [](const auto &) { return 1.0; },
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

SessionLimits::Verdict SessionLimits::admit(const Config &config, RateLimiter<qint64> *users,
                                            qint64 userId, const ClientMessage *message,
                                            qsizetype bytes, qint64 nowMs)
{
    const BucketRate frames = frameRate(config);
    const BucketRate byteBucket = byteRate(config);
    const double frameCost = cost(config, message);
    qint64 wait = m_frames.take(frames, frameCost, nowMs);
    if (!wait) {
        wait = m_bytes.take(byteBucket, double(bytes), nowMs);
        if (wait) {
            m_frames.refund(frames, frameCost);
        } else if (users && userId != 0) {
            wait = users->take(userId, frameCost, nowMs);
            if (wait) {
                m_frames.refund(frames, frameCost);
                m_bytes.refund(byteBucket, double(bytes));
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
    verdict.close = config.rateLimitCloseAfter > 0 && m_refusals > config.rateLimitCloseAfter;
    return verdict;
}

} // namespace Switchboard
