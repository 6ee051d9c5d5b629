// SPDX-License-Identifier: MIT
// TokenBucket and RateLimiter on a simulated clock: refill, retry hints, refunds, and the
// bounded table (idle keys forgotten, keys beyond the bound sharing an overflow bucket).
#include "net/ratelimiter.h"
#include "net/tokenbucket.h"

#include <QTest>

using namespace Switchboard;

class tst_RateLimiter : public QObject
{
    Q_OBJECT

private slots:
    void bucketRefillsAndHints()
    {
        TokenBucket b(10, 5, 1000); // 10/s, burst 5, full at t=1000
        for (int i = 0; i < 5; ++i)
            QCOMPARE(b.take(1, 1000), 0);
        QCOMPARE(b.take(1, 1000), 100); // one token comes back every 100 ms
        QCOMPARE(b.take(1, 1050), 50);
        QCOMPARE(b.take(1, 1100), 0); // the hint was right
        QCOMPARE(b.take(3, 1100), 300);
        QVERIFY(!b.idle(1100));
        QVERIFY(b.idle(1600)); // full again after burst / rate
    }
    void bucketCapsCostAndRefunds()
    {
        TokenBucket b(1, 10, 0);
        QCOMPARE(b.take(50, 0), 0); // above the burst: costs the whole burst, never impossible
        QCOMPARE(b.take(1, 0), 1000);
        b.refund(4);
        QCOMPARE(b.take(4, 0), 0);
        TokenBucket off;
        QVERIFY(!off.enabled());
        QCOMPARE(off.take(1e9, 0), 0);
    }
    void limiterKeysAndBound()
    {
        RateLimiter<qint64> users(1, 2, 3); // at most 3 buckets
        QCOMPARE(users.take(1, 1, 0), 0);
        QCOMPARE(users.take(1, 1, 0), 0);
        QVERIFY(users.take(1, 1, 0) > 0); // user 1 is out
        QCOMPARE(users.take(2, 1, 0), 0); // user 2 has its own
        QCOMPARE(users.take(3, 1, 0), 0);
        QCOMPARE(users.size(), 3);
        // The table is full of active buckets: new keys share one overflow bucket.
        QCOMPARE(users.take(4, 2, 0), 0);
        QVERIFY(users.take(5, 1, 0) > 0);
        QCOMPARE(users.size(), 3);
        // Users that send nothing refill and are forgotten: the table empties by itself.
        users.sweep(2000);
        QCOMPARE(users.size(), 0);
        QCOMPARE(users.take(5, 1, 2000), 0);
        QCOMPARE(users.size(), 1);
        // A periodic sweep happens on use, too.
        users.take(6, 1, 2000);
        QCOMPARE(users.take(7, 1, 2000 + RateLimiter<qint64>::SWEEP_INTERVAL_MS), 0);
        QCOMPARE(users.size(), 1);
    }
};

QTEST_GUILESS_MAIN(tst_RateLimiter)
#include "tst_ratelimiter.moc"
