// SPDX-License-Identifier: MIT
// The Store contract on both backends (SQLite file, real PostgreSQL), and AsyncStore's worker
// thread, group commit and coalescing.
#include "../server/testsupport.h"
#include "store/asyncstore.h"
#include "store/storefactory.h"

#include <barrier>
#include <thread>

#include <QElapsedTimer>
#include <QFile>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QThread>
#include <QUrl>
#include <QTest>

#include <barrier>
#include <thread>

using namespace Switchboard;

namespace {

// A fresh, empty database for one test: a file in a temporary directory, or a PostgreSQL
// database of its own on the test cluster.
class Db
{
public:
    explicit Db(const QString &backend)
    {
        if (backend == QLatin1StringView("postgres")) {
            QString error;
            settings.databaseUrl = Test::createDatabase(&m_pgName, &error);
            if (settings.databaseUrl.isEmpty())
                qFatal("cannot create a PostgreSQL test database: %s", qPrintable(error));
        }
        settings.dataDir = m_dir.path();
    }
    ~Db()
    {
        if (!m_pgName.isEmpty())
            Test::dropDatabase(m_pgName);
    }
    std::unique_ptr<Store> open()
    {
        QString error;
        auto store = openStore(settings, &error);
        if (!store)
            qFatal("openStore: %s", qPrintable(error));
        store->migrate();
        return store;
    }

    StoreSettings settings;

private:
    QTemporaryDir m_dir;
    QString m_pgName;
};

NewMessage message(qint64 sender, const QStringList &streams, const QString &key = {})
{
    NewMessage m;
    m.kind = QStringLiteral("direct");
    m.senderId = sender;
    m.body = R"({"content":"héllo 你好"})";
    m.streams = streams;
    m.idempotencyKey = key;
    m.createdAt = 1700000000000;
    return m;
}

// A job context that can be closed before its reads run, as a session is.
class ClosingContext : public QObject, public CancellableContext
{
public:
    void close() { cancelQueuedReads(); }
};

} // namespace

class TestStore : public QObject
{
    Q_OBJECT

private:
    bool skipWithoutPostgres(const QString &backend)
    {
        QString why;
        if (backend != QLatin1StringView("postgres") || Test::postgresAvailable(&why))
            return false;
        if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_POSTGRES"))
            qFatal("PostgreSQL required: %s", qPrintable(why));
        return true;
    }

#define BACKEND()                                                                                  \
    QFETCH(QString, backend);                                                                      \
    if (skipWithoutPostgres(backend))                                                              \
        QSKIP("PostgreSQL not available (run through scripts/with-postgres.sh)");                  \
    Db db(backend)

private slots:
    void migrate_data()
    {
        Test::addBackendRows();
    }
    void migrate()
    {
        BACKEND();
        auto store = db.open();
        QCOMPARE(store->backendName(), backend);
        QCOMPARE(store->migrate(), 7); // already applied: nothing to do, same version
        auto again = db.open(); // a second connection (another process, another node)
        QCOMPARE(again->migrate(), 7);
        if (backend == QLatin1StringView("sqlite")) {
            // It holds password hashes: owner-only.
            const auto mode
                = QFile::permissions(db.settings.dataDir + QStringLiteral("/switchboard.db"));
            QVERIFY(mode & QFileDevice::ReadOwner);
            QCOMPARE(mode & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
                     QFileDevice::Permissions());
        }
    }

    // Several nodes starting at once on one empty PostgreSQL database: each migrates (or waits
    // for the one that does) and starts; none fails on the tables another is creating.
    void migrateConcurrently()
    {
        QString why;
        if (!Test::postgresAvailable(&why)) {
            if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_POSTGRES"))
                QFAIL(qPrintable(why));
            QSKIP(qPrintable(why));
        }
        for (int round = 0; round < 3; ++round) {
            Db db(QStringLiteral("postgres"));
            constexpr int NODES = 6;
            std::vector<std::thread> nodes;
            std::vector<QString> errors(NODES);
            std::vector<int> versions(NODES, -1);
            for (int i = 0; i < NODES; ++i) {
                nodes.emplace_back([&, i]() {
                    try {
                        QString error;
                        auto store = openStore(db.settings, &error);
                        if (!store) {
                            errors[i] = error;
                            return;
                        }
                        versions[i] = store->migrate();
                    } catch (const StoreError &e) {
                        errors[i] = QString::fromUtf8(e.what());
                    }
                });
            }
            for (std::thread &t : nodes)
                t.join();
            for (int i = 0; i < NODES; ++i) {
                QVERIFY2(errors[i].isEmpty(), qPrintable(errors[i]));
                QCOMPARE(versions[i], 7);
            }
        }
    }

    // Several nodes write batches that touch the same rows (cursors of one user, streams of one
    // conversation, users' last_seen, principals) at the same time, each in its own order (a
    // QHash's, or a conversation seen from either side): the store takes the rows in one order,
    // so PostgreSQL never finds two such transactions waiting for each other (deadlock).
    void concurrentBatchesInOppositeOrders_data()
    {
        QTest::addColumn<QString>("batch");
        for (const char *b : {"cursors", "last_seen", "principals", "append"})
            QTest::newRow(b) << QString::fromLatin1(b);
    }
    void concurrentBatchesInOppositeOrders()
    {
        QString why;
        if (!Test::postgresAvailable(&why)) {
            if (qEnvironmentVariableIntValue("SWITCHBOARD_REQUIRE_POSTGRES"))
                QFAIL(qPrintable(why));
            QSKIP(qPrintable(why));
        }
        QFETCH(QString, batch);
        Db db(QStringLiteral("postgres"));
        QList<qint64> users;
        {
            auto store = db.open();
            for (int i = 0; i < 40; ++i)
                users << store->createUser(QStringLiteral("u%1").arg(i), {}, false)->id;
        }
        constexpr int NODES = 2;
        constexpr int ROUNDS = 40;
        std::barrier together(NODES); // each round's batches start at the same moment
        std::vector<std::thread> nodes;
        std::vector<QString> errors(NODES);
        for (int n = 0; n < NODES; ++n) {
            nodes.emplace_back([&, n]() {
                QString error;
                auto store = openStore(db.settings, &error);
                const bool reversed = n % 2 == 1;
                for (int round = 1; round <= ROUNDS; ++round) {
                    QList<qint64> order = users;
                    if (reversed)
                        std::reverse(order.begin(), order.end());
                    const qint64 value = round * 10 + n;
                    together.arrive_and_wait();
                    if (!store || !errors[n].isEmpty())
                        continue; // keeps the barrier's count
                    try {
                        if (batch == QLatin1StringView("cursors")) {
                            QList<StreamCursor> cursors;
                            for (qint64 u : order)
                                for (int k = 0; k < 3; ++k)
                                    cursors << StreamCursor {u, QStringLiteral("r:room%1").arg(k),
                                                             value};
                            store->advanceCursors(cursors);
                        } else if (batch == QLatin1StringView("last_seen")) {
                            QList<QPair<qint64, qint64>> seen;
                            for (qint64 u : order)
                                seen << qMakePair(u, value);
                            store->setLastSeen(seen);
                        } else if (batch == QLatin1StringView("principals")) {
                            QList<qint64> ids;
                            for (qint64 u : order)
                                ids << 1'000'000 + round * 100 + u;
                            store->addPrincipals(ids, QStringLiteral("test"));
                        } else {
                            // Conversations seen from either side: inboxes in opposite orders.
                            QList<NewMessage> messages;
                            for (int i = 0; i + 1 < order.size(); i += 2)
                                messages << message(order[i],
                                                    {QStringLiteral("u:%1").arg(order[i]),
                                                     QStringLiteral("u:%1").arg(order[i + 1])});
                            store->append(messages);
                        }
                    } catch (const StoreError &e) {
                        errors[n] = QString::fromUtf8(e.what());
                    }
                }
                if (!store)
                    errors[n] = error;
            });
        }
        for (std::thread &t : nodes)
            t.join();
        for (int n = 0; n < NODES; ++n)
            QVERIFY2(errors[n].isEmpty(), qPrintable(errors[n]));
        if (batch == QLatin1StringView("append")) {
            auto store = db.open();
            // Every append got its seqs: each inbox holds one message per node and round.
            QCOMPARE(store->lastSeq(QStringLiteral("u:%1").arg(users.first())),
                     qint64(NODES * ROUNDS));
        }
    }

    // Access rules (migration 005): stored with their optional expiry, listed by id, removed,
    // and expired ones deleted at (not before) their moment; they survive a reopen.
    void accessRules_data()
    {
        Test::addBackendRows();
    }
    void accessRules()
    {
        BACKEND();
        auto store = db.open();
        QVERIFY(store->accessRules().isEmpty());
        AccessRuleRecord deny;
        deny.action = QStringLiteral("deny");
        deny.cidr = QStringLiteral("10.0.0.0/8");
        deny.note = QStringLiteral("scanner 扫描");
        deny.createdBy = QStringLiteral("alice");
        const AccessRuleRecord a = store->addAccessRule(deny);
        QVERIFY(a.id > 0);
        QVERIFY(a.createdAt > 0);
        AccessRuleRecord allow;
        allow.action = QStringLiteral("allow");
        allow.cidr = QStringLiteral("2001:db8::/32");
        allow.expiresAt = 1'000'000;
        allow.createdAt = 500;
        const AccessRuleRecord b = store->addAccessRule(allow);
        QVERIFY(b.id > a.id);

        auto reopened = db.open();
        const QList<AccessRuleRecord> rules = reopened->accessRules();
        QCOMPARE(rules.size(), 2);
        QCOMPARE(rules[0].id, a.id);
        QCOMPARE(rules[0].action, QStringLiteral("deny"));
        QCOMPARE(rules[0].cidr, QStringLiteral("10.0.0.0/8"));
        QCOMPARE(rules[0].note, QStringLiteral("scanner 扫描"));
        QCOMPARE(rules[0].expiresAt, 0);
        QCOMPARE(rules[0].createdBy, QStringLiteral("alice"));
        QCOMPARE(rules[1].action, QStringLiteral("allow"));
        QCOMPARE(rules[1].expiresAt, 1'000'000);
        QCOMPARE(rules[1].createdAt, 500);
        QCOMPARE(rules[1].createdBy, QString());

        QCOMPARE(reopened->deleteExpiredAccessRules(999'999), 0);
        QCOMPARE(reopened->deleteExpiredAccessRules(1'000'000), 1);
        QCOMPARE(store->accessRules().size(), 1);
        QVERIFY(!store->removeAccessRule(b.id));
        QVERIFY(store->removeAccessRule(a.id));
        QVERIFY(store->accessRules().isEmpty());
    }

    void users_data()
    {
        Test::addBackendRows();
    }
    void users()
    {
        BACKEND();
        auto store = db.open();
        auto alice
            = store->createUser(QStringLiteral("alice"), QStringLiteral("$argon2id$x"), false);
        QVERIFY(alice);
        QVERIFY(alice->id > 0);
        QVERIFY(alice->createdAt > 0);
        QVERIFY(!store->createUser(QStringLiteral("alice"), {}, true)); // name taken
        auto root = store->createUser(QStringLiteral("root"), {}, true);
        QVERIFY(root);
        QVERIFY(root->id != alice->id);

        auto byName = store->userByName(QStringLiteral("alice"));
        QVERIFY(byName);
        QCOMPARE(byName->id, alice->id);
        QCOMPARE(byName->passwordHash, QStringLiteral("$argon2id$x"));
        QCOMPARE(byName->admin, false);
        QCOMPARE(store->userById(root->id)->admin, true);
        QVERIFY(!store->userByName(QStringLiteral("nobody")));
        QVERIFY(!store->userById(999999));
        QCOMPARE(store->users().size(), 2);
        QCOMPARE(store->users().first().username, QStringLiteral("alice"));

        QVERIFY(store->setPasswordHash(alice->id, QStringLiteral("new")));
        QCOMPARE(store->userById(alice->id)->passwordHash, QStringLiteral("new"));
        QVERIFY(!store->setPasswordHash(999999, QStringLiteral("x")));
        QVERIFY(store->setDisabled(alice->id, true));
        QCOMPARE(store->userById(alice->id)->disabled, true);
        QVERIFY(store->setDisabled(alice->id, false));
        QCOMPARE(store->userById(alice->id)->disabled, false);

        store->setLastSeen({{alice->id, 5000}, {root->id, 7000}});
        store->setLastSeen({{alice->id, 4000}}); // never goes back
        QCOMPARE(store->userById(alice->id)->lastSeen, 5000);
        QCOMPARE(store->userById(root->id)->lastSeen, 7000);
    }

    void principals_data()
    {
        Test::addBackendRows();
    }
    // Ids recorded in batches of any size (whole chunks of many rows and single rows), ids
    // seen before and repeated ids skipped, every one known afterwards and nothing else.
    void principals()
    {
        BACKEND();
        auto store = db.open();
        QList<qint64> ids;
        for (qint64 id = 1000; id < 1150; ++id)
            ids << id;
        store->addPrincipals(ids.mid(0, 10), QStringLiteral("token"));
        ids << 1005 << 1149; // repeated within the batch
        store->addPrincipals(ids, QStringLiteral("token"));
        store->addPrincipals({2000}, QStringLiteral("addressed"));
        for (qint64 id = 1000; id < 1150; ++id)
            QVERIFY2(store->isKnownUser(id), qPrintable(QString::number(id)));
        QVERIFY(store->isKnownUser(2000));
        QVERIFY(!store->isKnownUser(999));
        QVERIFY(!store->isKnownUser(1150));
        // A user created later gets an id past them.
        const auto user = store->createUser(QStringLiteral("later"), {}, false);
        QVERIFY(user);
        QVERIFY(user->id > 2000);
    }

    // Backends' own ids (migration 007): mapped once, to an id no account gets, the same for
    // two connections mapping at once (two nodes), and still there after a reopen.
    void externalIds_data()
    {
        Test::addBackendRows();
    }
    void externalIds()
    {
        BACKEND();
        auto store = db.open();
        auto other = db.open(); // another node on the same database
        const QString u123 = QStringLiteral("user123");
        QVERIFY(!store->userIdOfExternal(u123, false));
        auto alice = store->createUser(QStringLiteral("alice"), {}, false);
        QVERIFY(alice);
        const auto id = store->userIdOfExternal(u123, true);
        QVERIFY(id);
        QVERIFY(*id > alice->id);
        QCOMPARE(store->userIdOfExternal(u123, true), id);
        QCOMPARE(other->userIdOfExternal(u123, false), id);
        QCOMPARE(other->userIdOfExternal(u123, true), id);
        QVERIFY(store->isKnownUser(*id)); // a principal: a known recipient
        QVERIFY(!store->userById(*id)); // but no account, so no username was taken
        auto bob = store->createUser(QStringLiteral("bob"), {}, false);
        QVERIFY(bob);
        QVERIFY(bob->id > *id); // an account never gets the id of an external user
        const auto id456 = other->userIdOfExternal(QStringLiteral("user456"), true);
        QVERIFY(id456);
        QVERIFY(*id456 != *id && *id456 != bob->id);
        // Case and exact spelling matter: an id is what the backend minted.
        const auto upper = store->userIdOfExternal(QStringLiteral("USER123"), true);
        QVERIFY(upper && *upper != *id);
        QHash<qint64, QString> expected {{*id, u123}, {*id456, QStringLiteral("user456")}};
        QCOMPARE(store->externalIdsOf({*id, *id456, alice->id}), expected);
        // Many users at once (statements take them in chunks): the mapped ones wherever they are.
        QList<qint64> many;
        for (qint64 n = 100000; many.size() < 150; ++n)
            many << n;
        many.insert(70, *id456);
        many.append(*id);
        QCOMPARE(store->externalIdsOf(many), expected);
        QVERIFY(store->externalIdsOf({}).isEmpty());

        // Many at once from two connections on two threads: one id per external id.
        QHash<QString, qint64> seen[2];
        const auto mapMany = [&](int which) {
            auto conn = db.open();
            for (int i = 0; i < 20; ++i) {
                const QString ext = QStringLiteral("race-%1").arg(i);
                const auto mapped = conn->userIdOfExternal(ext, true);
                if (mapped)
                    seen[which].insert(ext, *mapped);
            }
        };
        std::unique_ptr<QThread> t0(QThread::create(mapMany, 0));
        std::unique_ptr<QThread> t1(QThread::create(mapMany, 1));
        t0->start();
        t1->start();
        QVERIFY(t0->wait(60000));
        QVERIFY(t1->wait(60000));
        QCOMPARE(seen[0].size(), 20);
        QCOMPARE(seen[0], seen[1]);

        store.reset();
        other.reset();
        auto reopened = db.open();
        QCOMPARE(reopened->userIdOfExternal(u123, false), id);
        QCOMPARE(reopened->externalIdsOf({*id}).value(*id), u123);
    }

    void appendAndRead_data()
    {
        Test::addBackendRows();
    }
    void appendAndRead()
    {
        BACKEND();
        auto store = db.open();
        const QString a = QStringLiteral("u:1"), b = QStringLiteral("u:2");
        auto results = store->append({message(1, {b, a}), message(2, {a, b}), message(0, {b})});
        QCOMPARE(results.size(), 3);
        QCOMPARE(results[0].seqs, (QList<qint64> {1, 1}));
        QCOMPARE(results[1].seqs, (QList<qint64> {2, 2}));
        QCOMPARE(results[2].seqs, (QList<qint64> {3}));
        QVERIFY(results[0].messageId < results[1].messageId);
        QVERIFY(!results[0].duplicate);
        QCOMPARE(results[0].createdAt, 1700000000000);
        QCOMPARE(store->lastSeq(b), 3);
        QCOMPARE(store->lastSeq(a), 2);
        QCOMPARE(store->lastSeq(QStringLiteral("u:404")), 0);
        QCOMPARE(store->messageCount(), 3);

        const auto all = store->readStream(b, 0, 100);
        QCOMPARE(all.size(), 3);
        for (int i = 0; i < 3; ++i) {
            QCOMPARE(all[i].seq, i + 1);
            QCOMPARE(all[i].messageId, results[i].messageId);
            QCOMPARE(all[i].stream, b);
        }
        QCOMPARE(all[0].body, QByteArray(R"({"content":"héllo 你好"})"));
        QCOMPARE(all[0].kind, QStringLiteral("direct"));
        QCOMPARE(all[1].senderId, 2);
        QCOMPARE(all[2].senderId, 0);
        const auto page = store->readStream(b, 1, 1);
        QCOMPARE(page.size(), 1);
        QCOMPARE(page[0].seq, 2);
        QVERIFY(store->readStream(b, 3, 100).isEmpty());
        QVERIFY(store->readStream(QStringLiteral("u:404"), 0, 100).isEmpty());

        // Numbers continue after a reopen: nothing is kept only in memory.
        store.reset();
        auto reopened = db.open();
        QCOMPARE(reopened->append({message(1, {b})}).first().seqs, (QList<qint64> {4}));
        QCOMPARE(reopened->messageCount(), 4);
    }

    // One transaction of 300 messages goes in chunks of 128, 64, ..., 1 rows: every message,
    // entry and number lands once, in order, whatever chunk it fell in.
    void lastSeqsOfStreams_data()
    {
        Test::addBackendRows();
    }
    // The last seqs of many streams in reads of a few hundred (a cluster node's rooms' counts):
    // each stream with a message once, the others left out.
    void lastSeqsOfStreams()
    {
        BACKEND();
        auto store = db.open();
        QStringList rooms;
        QList<NewMessage> batch;
        for (int i = 0; i < 600; ++i) {
            rooms << QStringLiteral("r:room%1").arg(i);
            if (i % 3 == 0) // every third room has i / 3 + 1 messages
                for (int k = 0; k <= i / 3; ++k)
                    batch << message(1, {rooms.last()});
        }
        batch << message(1, {QStringLiteral("u:1")});
        store->append(batch);
        const QHash<QString, qint64> seqs = store->lastSeqs(rooms);
        QCOMPARE(seqs.size(), 200);
        for (int i = 0; i < 600; i += 3)
            QCOMPARE(seqs.value(rooms[i]), i / 3 + 1);
        QVERIFY(!seqs.contains(QStringLiteral("u:1")));
        QCOMPARE(store->lastSeqs({QStringLiteral("r:room3")}),
                 (QHash<QString, qint64> {{QStringLiteral("r:room3"), 2}}));
        QVERIFY(store->lastSeqs({}).isEmpty());
    }

    void appendLargeBatch_data()
    {
        Test::addBackendRows();
    }
    void appendLargeBatch()
    {
        BACKEND();
        auto store = db.open();
        const qint64 before
            = store->append({message(1, {QStringLiteral("u:1")})}).first().messageId;
        constexpr int N = 300;
        QList<NewMessage> batch;
        for (int i = 0; i < N; ++i) {
            // u:1 in every message, u:(2 + i % 7) in most, and the same stream twice in some
            // (a message to oneself: one entry per inbox position).
            QStringList streams {QStringLiteral("u:1")};
            if (i % 5 == 0)
                streams << QStringLiteral("u:1");
            else
                streams << QStringLiteral("u:%1").arg(2 + i % 7);
            // every tenth carries an idempotency key (looked up, not a duplicate)
            batch << message(1 + i % 3, streams,
                             i % 10 == 0 ? QStringLiteral("key-%1").arg(i) : QString());
        }
        const auto results = store->append(batch);
        QCOMPARE(results.size(), N);
        QHash<QString, qint64> expected {{QStringLiteral("u:1"), 1}};
        qint64 lastId = before;
        QSet<qint64> ids;
        for (int i = 0; i < N; ++i) {
            const AppendResult &r = results[i];
            QVERIFY2(!r.duplicate, qPrintable(QString::number(i)));
            QVERIFY(r.messageId > lastId);
            lastId = r.messageId;
            ids << r.messageId;
            QCOMPARE(r.seqs.size(), 2);
            for (int s = 0; s < 2; ++s) {
                qint64 &next = expected[batch[i].streams[s]];
                QCOMPARE(r.seqs[s], ++next);
            }
        }
        QCOMPARE(ids.size(), N);
        QCOMPARE(store->messageCount(), N + 1);
        for (auto it = expected.cbegin(); it != expected.cend(); ++it)
            QCOMPARE(store->lastSeq(it.key()), it.value());
        const auto inbox = store->readStream(QStringLiteral("u:1"), 1, 1000);
        QCOMPARE(inbox.size(), int(expected.value(QStringLiteral("u:1")) - 1));
        for (int k = 0; k < inbox.size(); ++k)
            QCOMPARE(inbox[k].seq, k + 2);
        QCOMPARE(inbox.last().messageId, results.last().messageId);

        // A key repeated inside a batch by the same sender: one message, one set of entries.
        const auto repeat
            = store->append({message(4, {QStringLiteral("u:9")}, QStringLiteral("r")),
                             message(4, {QStringLiteral("u:9")}),
                             message(4, {QStringLiteral("u:9")}, QStringLiteral("r"))});
        QVERIFY(!repeat[0].duplicate);
        QVERIFY(repeat[2].duplicate);
        QCOMPARE(repeat[2].messageId, repeat[0].messageId);
        QCOMPARE(repeat[0].seqs, (QList<qint64> {1}));
        QCOMPARE(repeat[1].seqs, (QList<qint64> {2}));
        QCOMPARE(store->lastSeq(QStringLiteral("u:9")), 2);

        // Ids keep rising after a reopen (nothing is allocated from memory).
        store.reset();
        auto reopened = db.open();
        QVERIFY(reopened->append({message(1, {QStringLiteral("u:1")})}).first().messageId
                > repeat[1].messageId);
    }

    void idempotency_data()
    {
        Test::addBackendRows();
    }
    void idempotency()
    {
        BACKEND();
        auto store = db.open();
        const QStringList streams {QStringLiteral("u:2"), QStringLiteral("u:1")};
        const auto first = store->append({message(1, streams, QStringLiteral("k-1"))}).first();
        QVERIFY(!first.duplicate);
        // A retry, in a later transaction and inside one batch.
        const auto retry = store->append({message(1, streams, QStringLiteral("k-1")),
                                          message(1, streams, QStringLiteral("k-2")),
                                          message(1, streams, QStringLiteral("k-2"))});
        QCOMPARE(retry.size(), 3);
        QVERIFY(retry[0].duplicate);
        QCOMPARE(retry[0].messageId, first.messageId);
        QCOMPARE(retry[0].seqs, first.seqs);
        QCOMPARE(retry[0].createdAt, first.createdAt);
        QVERIFY(!retry[1].duplicate);
        QVERIFY(retry[2].duplicate);
        QCOMPARE(retry[2].messageId, retry[1].messageId);
        QCOMPARE(retry[2].seqs, retry[1].seqs);
        // The key is per sender: another sender may use it.
        const auto other = store->append({message(7, streams, QStringLiteral("k-1"))}).first();
        QVERIFY(!other.duplicate);
        QVERIFY(other.messageId != first.messageId);
        QCOMPARE(store->messageCount(), 3);
        QCOMPARE(store->readStream(QStringLiteral("u:2"), 0, 100).size(), 3);
    }

    void cursors_data()
    {
        Test::addBackendRows();
    }
    void cursors()
    {
        BACKEND();
        auto store = db.open();
        QCOMPARE(store->cursor(1, QStringLiteral("u:1")), 0);
        store->advanceCursors({{1, QStringLiteral("u:1"), 5}, {2, QStringLiteral("u:1"), 9}});
        store->advanceCursors({{1, QStringLiteral("u:1"), 3}}); // never lowered
        QCOMPARE(store->cursor(1, QStringLiteral("u:1")), 5);
        QCOMPARE(store->cursor(2, QStringLiteral("u:1")), 9);
        store->advanceCursors({{1, QStringLiteral("u:1"), 6}});
        QCOMPARE(store->cursor(1, QStringLiteral("u:1")), 6);
        store->advanceCursors({{1, QStringLiteral("r:team"), 0}}); // a row at 0 is a position too
        const QHash<QString, qint64> all = store->cursors(1);
        QCOMPARE(all.size(), 2);
        QCOMPARE(all.value(QStringLiteral("u:1")), 6);
        QVERIFY(all.contains(QStringLiteral("r:team")));
        QCOMPARE(all.value(QStringLiteral("r:team")), 0);
        QVERIFY(store->cursors(3).isEmpty());
    }

    void historyPages_data()
    {
        Test::addBackendRows();
    }
    void historyPages()
    {
        BACKEND();
        auto store = db.open();
        const QString room = QStringLiteral("r:team");
        QList<NewMessage> batch;
        for (int i = 0; i < 10; ++i)
            batch << message(1 + i % 2, {room});
        store->append(batch);
        auto seqs = [](const QList<StreamEntry> &entries) {
            QList<qint64> out;
            for (const StreamEntry &e : entries)
                out << e.seq;
            return out;
        };
        HistoryQuery q;
        q.stream = room;
        q.limit = 3;
        QCOMPARE(seqs(store->readHistory(q)), (QList<qint64> {8, 9, 10})); // newest, oldest first
        q.before = 8;
        QCOMPARE(seqs(store->readHistory(q)), (QList<qint64> {5, 6, 7}));
        q.before = 2;
        QCOMPARE(seqs(store->readHistory(q)), (QList<qint64> {1}));
        q.before.reset();
        q.after = 0;
        QCOMPARE(seqs(store->readHistory(q)), (QList<qint64> {1, 2, 3}));
        q.after = 6;
        q.before = 9;
        QCOMPARE(seqs(store->readHistory(q)), (QList<qint64> {7, 8}));
        q.after = 10;
        q.before.reset();
        QVERIFY(store->readHistory(q).isEmpty());
        const StreamBounds b = store->streamBounds(room);
        QCOMPARE(b.first, 1);
        QCOMPARE(b.last, 10);
        const StreamBounds none = store->streamBounds(QStringLiteral("r:none"));
        QCOMPARE(none.first, 0);
        QCOMPARE(none.last, 0);

        // A conversation is the part of an inbox exchanged with one peer.
        const QString inbox1 = QStringLiteral("u:1");
        auto dm = [](qint64 from, qint64 to) {
            NewMessage m
                = message(from, {QStringLiteral("u:%1").arg(to), QStringLiteral("u:%1").arg(from)});
            m.recipientId = to;
            return m;
        };
        store->append({dm(1, 2), dm(3, 1), dm(2, 1), dm(1, 3), dm(1, 2)});
        HistoryQuery conv;
        conv.stream = inbox1;
        conv.self = 1;
        conv.peer = 2;
        conv.limit = 10;
        const auto withTwo = store->readHistory(conv);
        QCOMPARE(seqs(withTwo), (QList<qint64> {1, 3, 5}));
        QCOMPARE(withTwo[1].senderId, 2);
        conv.peer = 3;
        QCOMPARE(seqs(store->readHistory(conv)), (QList<qint64> {2, 4}));
        conv.peer = 2;
        conv.limit = 1;
        conv.before = 5;
        QCOMPARE(seqs(store->readHistory(conv)), (QList<qint64> {3}));
    }

    void retention_data()
    {
        Test::addBackendRows();
    }
    void retention()
    {
        BACKEND();
        auto store = db.open();
        const QString a = QStringLiteral("r:a"), b = QStringLiteral("r:b");
        QList<NewMessage> batch;
        for (int i = 0; i < 6; ++i) {
            NewMessage m = message(1, {a});
            m.createdAt = 1000 + i; // six old messages in a
            batch << m;
        }
        for (int i = 0; i < 4; ++i) {
            NewMessage m = message(1, {b, a});
            m.createdAt = 5000 + i; // four newer ones in b and a
            batch << m;
        }
        store->append(batch);
        QCOMPARE(store->messageCount(), 10);

        // By age, in batches: everything created before 1004 goes (four messages).
        RetentionPolicy byAge;
        byAge.olderThanMs = 1004;
        byAge.batch = 3;
        PurgeResult r = store->purge(byAge);
        QCOMPARE(r.messages, 3);
        QVERIFY(r.more);
        r = store->purge(byAge);
        QCOMPARE(r.messages, 1);
        QVERIFY(!r.more);
        QCOMPARE(store->messageCount(), 6);
        QCOMPARE(store->streamBounds(a).first, 5);
        QCOMPARE(store->streamBounds(a).last, 10); // seqs are never reused
        QCOMPARE(store->readStream(a, 0, 100).first().seq, 5);

        // By count: each stream keeps its newest 3 entries (a: 8..10, b: 2..4), and a message
        // no stream holds any more goes: a5 and a6 (only in a) and a7 = b1 (trimmed from both).
        RetentionPolicy byCount;
        byCount.maxPerStream = 3;
        r = store->purge(byCount);
        QCOMPARE(r.entries, 4);
        QCOMPARE(r.messages, 3);
        QVERIFY(!r.more);
        QCOMPARE(store->streamBounds(a).first, 8);
        QCOMPARE(store->streamBounds(b).first, 2);
        QCOMPARE(store->readStream(b, 0, 100).size(), 3);
        QCOMPARE(store->messageCount(), 3);
        r = store->purge(byCount); // nothing left to do
        QCOMPARE(r.entries, 0);
        QCOMPARE(r.messages, 0);
        QCOMPARE(store->append({message(1, {a})}).first().seqs, (QList<qint64> {11}));
    }

    void rooms_data()
    {
        Test::addBackendRows();
    }
    void rooms()
    {
        BACKEND();
        auto store = db.open();
        RoomRecord general;
        general.id = QStringLiteral("general");
        general.name = QStringLiteral("General 综合");
        QVERIFY(store->createRoom(general));
        QVERIFY(!store->createRoom(general)); // id taken
        RoomRecord secret;
        secret.id = QStringLiteral("secret-1");
        secret.name = QStringLiteral("Secret");
        secret.isPrivate = true;
        secret.postPolicy = QStringLiteral("owners");
        secret.maxMembers = 3;
        secret.announceMembership = false;
        secret.createdBy = 7;
        QVERIFY(store->createRoom(secret));
        auto rooms = store->rooms();
        QCOMPARE(rooms.size(), 2);
        const RoomRecord &loaded = rooms[0].id == secret.id ? rooms[0] : rooms[1];
        QCOMPARE(loaded.name, QStringLiteral("Secret"));
        QVERIFY(loaded.isPrivate);
        QCOMPARE(loaded.postPolicy, QStringLiteral("owners"));
        QCOMPARE(loaded.maxMembers, 3);
        QVERIFY(!loaded.announceMembership);
        QCOMPARE(loaded.createdBy, 7);
        QVERIFY(loaded.createdAt > 0);

        QVERIFY(store->addRoomMember({QStringLiteral("general"), 1, QStringLiteral("owner"), 0}));
        QVERIFY(store->addRoomMember({QStringLiteral("general"), 2, QStringLiteral("member"), 0}));
        QVERIFY(!store->addRoomMember({QStringLiteral("general"), 2, QStringLiteral("member"), 0}));
        QVERIFY(store->addRoomMember({QStringLiteral("secret-1"), 2, QStringLiteral("member"), 0}));
        QCOMPARE(store->roomMembers().size(), 3);
        QVERIFY(store->removeRoomMember(QStringLiteral("general"), 2));
        QVERIFY(!store->removeRoomMember(QStringLiteral("general"), 2));
        QCOMPARE(store->roomMembers().size(), 2);

        store->setRoomInvite(QStringLiteral("secret-1"), 5, true);
        store->setRoomInvite(QStringLiteral("secret-1"), 5, true); // twice is once
        QCOMPARE(store->roomInvites().size(), 1);
        store->setRoomInvite(QStringLiteral("secret-1"), 5, false);
        QVERIFY(store->roomInvites().isEmpty());
        store->setRoomInvite(QStringLiteral("secret-1"), 6, true);

        secret.name = QStringLiteral("Renamed");
        secret.postPolicy = QStringLiteral("members");
        QVERIFY(store->updateRoom(secret));
        RoomRecord ghost;
        ghost.id = QStringLiteral("ghost");
        QVERIFY(!store->updateRoom(ghost));

        // Deleting takes members, invitations and messages along; sequence numbers go on.
        const QString stream = QStringLiteral("r:secret-1");
        store->append({message(2, {stream}), message(2, {stream})});
        QVERIFY(store->deleteRoom(QStringLiteral("secret-1")));
        QVERIFY(!store->deleteRoom(QStringLiteral("secret-1")));
        QCOMPARE(store->rooms().size(), 1);
        QCOMPARE(store->roomMembers().size(), 1);
        QVERIFY(store->roomInvites().isEmpty());
        QVERIFY(store->readStream(stream, 0, 10).isEmpty());
        QCOMPARE(store->messageCount(), 0);
        QVERIFY(store->createRoom(secret));
        QCOMPARE(store->append({message(2, {stream})}).first().seqs.first(), 3);
    }

    void badUrls()
    {
        QString error;
        QVERIFY(!openStore({QString(), QStringLiteral("mysql://x/y")}, &error));
        QVERIFY2(error.contains(QStringLiteral("invalid database_url")), qPrintable(error));
        QVERIFY(!openStore({QString(), QStringLiteral("postgres://u:pw@127.0.0.1/")}, &error));
        QVERIFY2(error.contains(QStringLiteral("invalid database_url")), qPrintable(error));
        // Nothing listens on port 1: a clear error, and the password is never shown.
        QVERIFY(
            !openStore({QString(), QStringLiteral("postgres://u:hunter2@127.0.0.1:1/db")}, &error));
        QVERIFY2(error.contains(QStringLiteral("cannot connect to PostgreSQL")), qPrintable(error));
        QVERIFY2(!error.contains(QStringLiteral("hunter2")), qPrintable(error));
        QVERIFY(!openStore({QStringLiteral("/proc/forbidden"), QString()}, &error));
    }

    void asyncStartFailure()
    {
        AsyncStore store([]() -> std::unique_ptr<Store> { throw StoreError("no database here"); });
        QString error;
        QVERIFY(!store.start(&error));
        QCOMPARE(error, QStringLiteral("no database here"));
    }

    void asyncGroupCommit_data()
    {
        Test::addBackendRows();
    }
    void asyncGroupCommit()
    {
        BACKEND();
        const StoreSettings settings = db.settings;
        AsyncStore store([settings] { return openStoreOrThrow(settings); });
        QString error;
        QVERIFY2(store.start(&error), qPrintable(error));
        QCOMPARE(store.backendName(), backend);

        constexpr int N = 500;
        QList<qint64> seqs;
        QSet<qint64> ids;
        int failures = 0;
        QObject context;
        for (int i = 0; i < N; ++i) {
            store.append(message(1, {QStringLiteral("u:9")}), &context,
                         [&](std::optional<AppendResult> r, QString) {
                             if (!r) {
                                 ++failures;
                                 return;
                             }
                             seqs << r->seqs.first();
                             ids << r->messageId;
                         });
        }
        QTRY_COMPARE_WITH_TIMEOUT(seqs.size() + failures, N, 30000);
        QCOMPARE(failures, 0);
        QCOMPARE(ids.size(), N);
        // Completions arrive in submission order with gapless numbers.
        for (int i = 0; i < N; ++i)
            QCOMPARE(seqs[i], i + 1);

        // A job's result comes back on this thread; its exceptions become the error text.
        std::optional<qint64> count;
        store.run<qint64>(
            &context, [](Store &s) { return s.messageCount(); },
            [&](std::optional<qint64> r, QString) { count = r; });
        QTRY_VERIFY(count.has_value());
        QCOMPARE(*count, N);
        QString jobError;
        bool failed = false;
        store.run<int>(
            &context, [](Store &) -> int { throw StoreError("boom"); },
            [&](std::optional<int> r, QString e) {
                failed = !r;
                jobError = e;
            });
        QTRY_VERIFY(failed);
        QCOMPARE(jobError, QStringLiteral("boom"));

        // A completion for a context that is gone is dropped, not called.
        bool called = false;
        {
            QObject shortLived;
            store.run<int>(
                &shortLived, [](Store &) { return 1; },
                [&](std::optional<int>, QString) { called = true; });
        }
        bool later = false;
        store.run<int>(
            &context, [](Store &) { return 1; },
            [&](std::optional<int>, QString) { later = true; });
        QTRY_VERIFY(later);
        QVERIFY(!called);
    }

    void asyncOrderAndSharedReads_data()
    {
        Test::addBackendRows();
    }
    void asyncOrderAndSharedReads()
    {
        BACKEND();
        const StoreSettings settings = db.settings;
        AsyncStore store([settings] { return openStoreOrThrow(settings); });
        QString error;
        QVERIFY2(store.start(&error), qPrintable(error));
        QObject context;

        // Jobs, reads and appends run in the order they were queued: a job queued right after
        // an append sees it committed, and completions come back in that order too.
        QStringList order;
        std::optional<qint64> counted;
        store.append(message(1, {QStringLiteral("u:5")}), &context,
                     [&](std::optional<AppendResult> r, QString) {
                         order << (r ? QStringLiteral("append") : QStringLiteral("append failed"));
                     });
        store.read<qint64>(
            &context, [](Store &s) { return s.messageCount(); },
            [&](std::optional<qint64> r, QString) {
                counted = r;
                order << QStringLiteral("read");
            });
        QTRY_COMPARE(order.size(), 2);
        QCOMPARE(order, (QStringList {QStringLiteral("append"), QStringLiteral("read")}));
        QCOMPARE(counted.value_or(-1), qint64(1));

        // Hold the worker, so that what is queued next runs as one batch.
        QSemaphore entered, release;
        auto hold = [&]() {
            store.run<int>(
                &context,
                [&](Store &) {
                    entered.release();
                    release.acquire();
                    return 0;
                },
                [](std::optional<int>, QString) {});
            entered.acquire();
        };
        hold();
        // Reads queued together share one read transaction: on SQLite one snapshot, so a
        // commit made meanwhile by another connection is not seen by the second read.
        order.clear();
        std::optional<qint64> first, second;
        store.read<qint64>(
            &context,
            [settings](Store &s) {
                const qint64 n = s.messageCount();
                QString why;
                auto other = openStore(settings, &why);
                if (!other)
                    throw StoreError(why.toStdString());
                other->append({message(2, {QStringLiteral("u:6")})});
                return n;
            },
            [&](std::optional<qint64> r, QString e) {
                QVERIFY2(r, qPrintable(e));
                first = r;
                order << QStringLiteral("first");
            });
        store.read<qint64>(
            &context, [](Store &s) { return s.messageCount(); },
            [&](std::optional<qint64> r, QString e) {
                QVERIFY2(r, qPrintable(e));
                second = r;
                order << QStringLiteral("second");
            });
        release.release();
        QTRY_COMPARE(order.size(), 2);
        QCOMPARE(order, (QStringList {QStringLiteral("first"), QStringLiteral("second")}));
        QCOMPARE(first.value_or(-1), qint64(1));
        // PostgreSQL reads at READ COMMITTED: each statement sees what is committed.
        QCOMPARE(second.value_or(-1), qint64(backend == QLatin1StringView("sqlite") ? 1 : 2));

        // A read that fails does not take its neighbours down, even where a failed statement
        // spoils the transaction it ran in (PostgreSQL refuses a NUL in text): the next
        // statement starts a fresh read transaction.
        hold();
        order.clear();
        QString failure;
        std::optional<qint64> afterFailure;
        store.read<std::optional<UserRecord>>(
            &context, [](Store &s) { return s.userByName(QStringLiteral("a") + QChar(0)); },
            [&](std::optional<std::optional<UserRecord>> r, QString e) {
                failure = r ? QStringLiteral("no error") : e;
                order << QStringLiteral("nul");
            });
        store.read<int>(
            &context, [](Store &) -> int { throw StoreError("boom"); },
            [&](std::optional<int>, QString) { order << QStringLiteral("boom"); });
        store.read<qint64>(
            &context, [](Store &s) { return s.messageCount(); },
            [&](std::optional<qint64> r, QString e) {
                QVERIFY2(r, qPrintable(e));
                afterFailure = r;
                order << QStringLiteral("count");
            });
        release.release();
        QTRY_COMPARE(order.size(), 3);
        QCOMPARE(
            order,
            (QStringList {QStringLiteral("nul"), QStringLiteral("boom"), QStringLiteral("count")}));
        if (backend == QLatin1StringView("postgres"))
            QVERIFY2(failure.contains(QStringLiteral("find user")), qPrintable(failure));
        QCOMPARE(afterFailure.value_or(-1), qint64(2));

        // Writes still work after all that: the read transactions are over.
        std::optional<std::optional<UserRecord>> created;
        store.run<std::optional<UserRecord>>(
            &context, [](Store &s) { return s.createUser(QStringLiteral("after"), {}, false); },
            [&](std::optional<std::optional<UserRecord>> r, QString) { created = r; });
        QTRY_VERIFY(created.has_value());
        QVERIFY(created->has_value());
    }

    void asyncCoalescingAndDrain_data()
    {
        Test::addBackendRows();
    }
    void asyncCoalescingAndDrain()
    {
        BACKEND();
        const StoreSettings settings = db.settings;
        auto factory = [settings] { return openStoreOrThrow(settings); };
        qint64 userId = 0;
        {
            AsyncStore store(factory);
            QString error;
            QVERIFY2(store.start(&error), qPrintable(error));
            QObject context;
            std::optional<std::optional<UserRecord>> created;
            store.run<std::optional<UserRecord>>(
                &context, [](Store &s) { return s.createUser(QStringLiteral("bob"), {}, false); },
                [&](std::optional<std::optional<UserRecord>> r, QString) { created = r; });
            QTRY_VERIFY(created.has_value());
            QVERIFY(created->has_value());
            userId = (*created)->id;
            for (int i = 1; i <= 50; ++i)
                store.advanceCursor({userId, QStringLiteral("u:1"), i});
            store.advanceCursor({userId, QStringLiteral("u:1"), 10}); // lower: ignored
            store.advanceCursor({userId, QStringLiteral("r:general"), 7});
            store.advanceCursor({userId + 1, QStringLiteral("u:1"), 99}); // another user
            // Not written yet: each user sees exactly its own pending cursors.
            QCOMPARE(store.pendingCursors(userId),
                     (QHash<QString, qint64> {{QStringLiteral("u:1"), 50},
                                              {QStringLiteral("r:general"), 7}}));
            QCOMPARE(store.pendingCursors(userId + 1),
                     (QHash<QString, qint64> {{QStringLiteral("u:1"), 99}}));
            QVERIFY(store.pendingCursors(userId + 2).isEmpty());
            store.setLastSeen(userId, 1234);
            store.append(message(1, {QStringLiteral("u:1")}), &context,
                         [](std::optional<AppendResult>, QString) {});
            store.drain(); // everything above is committed when this returns
            auto direct = db.open();
            QCOMPARE(direct->cursor(userId, QStringLiteral("u:1")), 50);
            QCOMPARE(direct->cursor(userId, QStringLiteral("r:general")), 7);
            QCOMPARE(direct->cursor(userId + 1, QStringLiteral("u:1")), 99);
            QVERIFY(store.pendingCursors(userId).isEmpty());
            QCOMPARE(direct->userById(userId)->lastSeen, 1234);
            QCOMPARE(direct->messageCount(), 1);
        }
    }

    // A bounded queue refuses work beyond its limit with OVERLOADED (reads, jobs and appends
    // alike; an append is refused before it is stored), and takes work again once it drained.
    void asyncBoundedQueue_data()
    {
        Test::addBackendRows();
    }
    void asyncBoundedQueue()
    {
        BACKEND();
        const StoreSettings settings = db.settings;
        AsyncStore store([settings] { return openStoreOrThrow(settings); });
        QString error;
        QVERIFY2(store.start(&error), qPrintable(error));
        store.setMaxQueued(4);
        QObject context;
        // Hold the worker inside a job, so what follows waits in the queue.
        QSemaphore entered, gate;
        store.run<int>(
            &context,
            [&](Store &) {
                entered.release();
                gate.acquire();
                return 0;
            },
            [](std::optional<int>, QString) {});
        QVERIFY(entered.tryAcquire(1, 10000));
        QCOMPARE(store.queuedJobs(), 0);

        std::atomic<int> ran {0};
        int answered = 0;
        QStringList refusals;
        auto readJob = [&](Store &) { return ++ran; };
        auto onDone = [&](std::optional<int> r, QString e) {
            if (r)
                ++answered;
            else
                refusals << e;
        };
        for (int i = 0; i < 3; ++i)
            QVERIFY(store.read<int>(&context, readJob, onDone));
        QVERIFY(store.append(message(1, {QStringLiteral("u:5")}), &context,
                             [&](std::optional<AppendResult> r, QString e) {
                                 if (r)
                                     ++answered;
                                 else
                                     refusals << e;
                             }));
        QCOMPARE(store.queuedJobs(), 4);
        QVERIFY(store.saturated());
        QVERIFY(!store.read<int>(&context, readJob, onDone));
        QVERIFY(!store.run<int>(&context, readJob, onDone));
        bool appendRefused = false;
        QVERIFY(!store.append(message(1, {QStringLiteral("u:6")}), &context,
                              [&](std::optional<AppendResult> r, QString e) {
                                  appendRefused
                                      = !r && e == QLatin1StringView(AsyncStore::OVERLOADED);
                              }));
        // Refusals are answered later, on this thread, with the OVERLOADED text.
        QVERIFY(refusals.isEmpty());
        QTRY_COMPARE(refusals.size(), 2);
        QVERIFY(appendRefused);
        for (const QString &e : std::as_const(refusals))
            QCOMPARE(e, QLatin1StringView(AsyncStore::OVERLOADED));
        QCOMPARE(store.refusedJobs(), 3);

        gate.release();
        QTRY_COMPARE(answered, 4);
        QCOMPARE(ran.load(), 3);
        QVERIFY(!store.saturated());
        QVERIFY(store.read<int>(&context, readJob, onDone));
        QTRY_COMPARE(answered, 5);
        store.drain();
        auto direct = db.open();
        QCOMPARE(direct->messageCount(), 1); // the refused append was never stored
    }

    // Reads queued by a context that closes before the worker reaches them are skipped (not
    // run and dropped); its writes still run.
    void asyncCancelledReads_data()
    {
        Test::addBackendRows();
    }
    void asyncCancelledReads()
    {
        BACKEND();
        const StoreSettings settings = db.settings;
        AsyncStore store([settings] { return openStoreOrThrow(settings); });
        QString error;
        QVERIFY2(store.start(&error), qPrintable(error));
        QObject other;
        QSemaphore entered, gate;
        store.run<int>(
            &other,
            [&](Store &) {
                entered.release();
                gate.acquire();
                return 0;
            },
            [](std::optional<int>, QString) {});
        QVERIFY(entered.tryAcquire(1, 10000));

        ClosingContext session;
        std::atomic<int> readsRun {0};
        std::atomic<bool> wrote {false};
        bool called = false;
        for (int i = 0; i < 100; ++i) {
            store.read<int>(
                &session, [&](Store &) { return ++readsRun; },
                [&](std::optional<int>, QString) { called = true; });
        }
        store.run<int>(
            &session,
            [&](Store &) {
                wrote = true;
                return 1;
            },
            [](std::optional<int>, QString) {});
        bool otherRead = false;
        store.read<int>(
            &other, [](Store &) { return 1; },
            [&](std::optional<int> r, QString) { otherRead = r.has_value(); });
        session.close();
        gate.release();
        QTRY_VERIFY(otherRead);
        store.drain();
        QCOMPARE(readsRun.load(), 0);
        QCOMPARE(store.cancelledReads(), 100);
        QVERIFY(wrote.load());
        QCoreApplication::processEvents();
        QVERIFY(!called);
        QCOMPARE(store.queuedJobs(), 0);
    }

    // A statement stuck behind a lock held elsewhere fails after the timeout (SQLite's busy
    // timeout, 5 s; PostgreSQL's statement_timeout, 2 s here). The work queued behind it fails
    // at once with FAILING_FAST instead of each waiting for the same timeout; a quick failure
    // opens no window; the first work after the window uses the database again.
    void asyncFailsFastBehindAStuckStatement_data()
    {
        Test::addBackendRows();
    }
    void asyncFailsFastBehindAStuckStatement()
    {
        BACKEND();
        const bool sqlite = backend == QLatin1StringView("sqlite");
        const qint64 timeoutMs = sqlite ? 5000 : 2000;
        db.settings.statementTimeoutMs = timeoutMs;
        const StoreSettings settings = db.settings;
        AsyncStore store([settings] { return openStoreOrThrow(settings); });
        QString error;
        QVERIFY2(store.start(&error), qPrintable(error));

        const QString name = QStringLiteral("tst_store-locker");
        {
            QSqlDatabase locker
                = Test::sideConnection(name, settings.dataDir, settings.databaseUrl);
            QVERIFY2(locker.open(), qPrintable(locker.lastError().text()));
            QSqlQuery q(locker);
            QVERIFY(q.exec(QStringLiteral("BEGIN")));
            QVERIFY2(q.exec(sqlite
                                ? QStringLiteral("INSERT INTO users (id, username, created_at) "
                                                 "VALUES (999, 'locker', 0)")
                                : QStringLiteral("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE")),
                     qPrintable(q.lastError().text()));

            // Three pieces of work in the queue, each of which needs the lock: a job that
            // writes, a group commit, another job.
            QObject context;
            QElapsedTimer clock;
            clock.start();
            QList<qint64> answeredAt;
            QStringList errors;
            auto writeJob = [](const QString &stream) {
                return std::function<int(Store &)>([stream](Store &s) {
                    s.append({message(1, {stream})});
                    return 1;
                });
            };
            auto onJob = [&](std::optional<int> r, QString e) {
                answeredAt << clock.elapsed();
                errors << (r ? QString() : e);
            };
            QVERIFY(store.run<int>(&context, writeJob(QStringLiteral("u:5")), onJob));
            QVERIFY(store.append(message(1, {QStringLiteral("u:6")}), &context,
                                 [&](std::optional<AppendResult> r, QString e) {
                                     answeredAt << clock.elapsed();
                                     errors << (r ? QString() : e);
                                 }));
            QVERIFY(store.run<int>(&context, writeJob(QStringLiteral("u:7")), onJob));
            QTRY_COMPARE_WITH_TIMEOUT(answeredAt.size(), 3, 4 * timeoutMs + 20000);
            // The first met the timeout; before the window, each of the others waited for its
            // own (answered timeoutMs apart).
            // Once: an append on PostgreSQL tried a cancelled statement again (4 s, not 2 s).
            QVERIFY2(answeredAt[0] >= timeoutMs - 500 && answeredAt[0] < 2 * timeoutMs - 500,
                     qPrintable(QString::number(answeredAt[0])));
            QVERIFY(!errors[0].isEmpty()
                    && errors[0] != QLatin1StringView(AsyncStore::FAILING_FAST));
            QCOMPARE(errors[1], QLatin1StringView(AsyncStore::FAILING_FAST));
            QCOMPARE(errors[2], QLatin1StringView(AsyncStore::FAILING_FAST));
            QVERIFY2(answeredAt[2] - answeredAt[0] < timeoutMs / 2,
                     qPrintable(QStringLiteral("answered at %1, %2 and %3 ms")
                                    .arg(answeredAt[0])
                                    .arg(answeredAt[1])
                                    .arg(answeredAt[2])));
            QCOMPARE(store.failedFast(), 2);

            QVERIFY(q.exec(QStringLiteral("ROLLBACK")));
            locker.close();
            QTest::qWait(AsyncStore::FAIL_FAST_MS + 200);
            // A quick failure (a bad request) opens no window: the append after it is stored.
            bool badFailed = false;
            store.run<int>(
                &context, [](Store &) -> int { throw StoreError("a bad request"); },
                [&](std::optional<int> r, QString) { badFailed = !r; });
            bool stored = false;
            QVERIFY(store.append(message(1, {QStringLiteral("u:8")}), &context,
                                 [&](std::optional<AppendResult> r, QString e) {
                                     stored = r.has_value();
                                     QVERIFY2(stored, qPrintable(e));
                                 }));
            QTRY_VERIFY_WITH_TIMEOUT(stored, 15000);
            QVERIFY(badFailed);
            QCOMPARE(store.failedFast(), 2);
        }
        QSqlDatabase::removeDatabase(name);
        store.drain();
        auto direct = db.open();
        QCOMPARE(direct->messageCount(), 1); // only the last append: nothing failed was stored
    }
};

QTEST_GUILESS_MAIN(TestStore)
#include "tst_store.moc"
