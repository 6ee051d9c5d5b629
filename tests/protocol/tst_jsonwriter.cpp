// SPDX-License-Identifier: MIT
// The direct JSON writer against QJsonDocument: whatever it writes must parse, and parse to the
// value QJsonDocument would have built from the same fields.
#include "protocol/events.h"
#include "protocol/jsonwriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace Switchboard::Protocol;

class tst_JsonWriter : public QObject
{
    Q_OBJECT

private slots:
    void strings_data();
    void strings();
    void values_data();
    void values();
    void members();
    void events();
};

namespace {

QJsonObject parse(const QByteArray &bytes)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError || !doc.isObject()) {
        qWarning("not a JSON object: %s (%s)", bytes.constData(), qPrintable(error.errorString()));
        return {{QStringLiteral("unparsable"), true}};
    }
    return doc.object();
}

} // namespace

void tst_JsonWriter::strings_data()
{
    QTest::addColumn<QString>("text");
    QTest::newRow("empty") << QString();
    QTest::newRow("plain") << QStringLiteral("hello");
    QTest::newRow("quotes and backslashes") << QStringLiteral(R"(say "hi" \ c:\path\)");
    QTest::newRow("named escapes") << QStringLiteral("a\nb\rc\td\be\ff");
    QString controls;
    for (ushort c = 0; c < 0x20; ++c)
        controls += QChar(c);
    controls += QChar(0x7f);
    QTest::newRow("every control character") << controls;
    QTest::newRow("chinese") << QStringLiteral("你好，世界");
    QTest::newRow("astral") << QString::fromUtf8("emoji 😀 and 𝄞");
    QTest::newRow("slash and html") << QStringLiteral("</script><b>&amp;</b>");
}

void tst_JsonWriter::strings()
{
    QFETCH(QString, text);
    JsonWriter w;
    w.field(QLatin1StringView("s"), text).field(QLatin1StringView("k"), QLatin1StringView("v"));
    const QJsonObject o = parse(w.take());
    QCOMPARE(o.value(QStringLiteral("s")).toString(), text);
    QCOMPARE(o.value(QStringLiteral("k")).toString(), QStringLiteral("v"));
    QCOMPARE(o.size(), 2);
}

void tst_JsonWriter::values_data()
{
    QTest::addColumn<QJsonValue>("value");
    QTest::newRow("string") << QJsonValue(QStringLiteral("r-1"));
    QTest::newRow("integer") << QJsonValue(42);
    QTest::newRow("negative") << QJsonValue(-7);
    QTest::newRow("large integer") << QJsonValue(qint64(9007199254740991));
    QTest::newRow("fraction") << QJsonValue(1.5);
    QTest::newRow("tiny") << QJsonValue(1e-300);
    QTest::newRow("huge") << QJsonValue(1e300);
    QTest::newRow("true") << QJsonValue(true);
    QTest::newRow("false") << QJsonValue(false);
    QTest::newRow("object") << QJsonValue(
        QJsonObject {{QStringLiteral("a"), 1}, {QStringLiteral("b"), QJsonArray {1, "x"}}});
    QTest::newRow("array") << QJsonValue(QJsonArray {QStringLiteral("\"q\""), 2.25, QJsonValue()});
}

void tst_JsonWriter::values()
{
    QFETCH(QJsonValue, value);
    JsonWriter w;
    w.fieldIfSet(QLatin1StringView("id"), value).field(QLatin1StringView("n"), qint64(-1));
    const QJsonObject o = parse(w.take());
    QCOMPARE(o.value(QStringLiteral("id")), value);
    QCOMPARE(o.value(QStringLiteral("n")).toInteger(), -1);

    // Null and undefined are left out.
    JsonWriter none;
    none.fieldIfSet(QLatin1StringView("id"), QJsonValue())
        .fieldIfSet(QLatin1StringView("u"), QJsonValue::Undefined);
    QCOMPARE(none.take(), QByteArray("{}"));
}

void tst_JsonWriter::members()
{
    const QJsonObject body {{QStringLiteral("from"), 7},
                            {QStringLiteral("content"), QStringLiteral("héllo \"x\"")},
                            {QStringLiteral("data"), QJsonObject {{QStringLiteral("k"), true}}}};
    const QByteArray compact = QJsonDocument(body).toJson(QJsonDocument::Compact);

    JsonWriter w;
    w.field(QLatin1StringView("type"), QLatin1StringView("message"));
    QVERIFY(w.members(compact));
    QJsonObject expected = body;
    expected.insert(QStringLiteral("type"), QStringLiteral("message"));
    QCOMPARE(parse(w.take()), expected);

    // Members first, then fields; an empty object adds nothing.
    JsonWriter first;
    QVERIFY(first.members(compact));
    QVERIFY(first.members("{}"));
    first.field(QLatin1StringView("seq"), qint64(3));
    expected = body;
    expected.insert(QStringLiteral("seq"), 3);
    QCOMPARE(parse(first.take()), expected);

    // Anything but an object is refused and writes nothing.
    JsonWriter refused;
    QVERIFY(!refused.members("[1,2]"));
    QVERIFY(!refused.members("{"));
    QVERIFY(!refused.members(""));
    QCOMPARE(refused.take(), QByteArray("{}"));

    // Nested writers: an encoded value goes in as it is.
    JsonWriter inner;
    inner.field(QLatin1StringView("id"), qint64(5))
        .field(QLatin1StringView("name"), QStringLiteral("bö"));
    JsonWriter outer;
    outer.json(QLatin1StringView("user"), inner.take())
        .json(QLatin1StringView("list"), QByteArray("[1,\"x\"]"))
        .field(QLatin1StringView("n"), qint64(1));
    QCOMPARE(parse(outer.take()),
             (QJsonObject {{QStringLiteral("user"),
                            QJsonObject {{QStringLiteral("id"), 5},
                                         {QStringLiteral("name"), QStringLiteral("bö")}}},
                           {QStringLiteral("list"), QJsonArray {1, QStringLiteral("x")}},
                           {QStringLiteral("n"), 1}}));
}

void tst_JsonWriter::events()
{
    const qint64 before = Events::nowMs();
    const QJsonObject ack = parse(Events::ack(QJsonValue(QStringLiteral("c-1")),
                                              {12, QStringLiteral("u:5"), 3, 1700000000000}, true));
    QCOMPARE(ack,
             (QJsonObject {{QStringLiteral("type"), QStringLiteral("ack")},
                           {QStringLiteral("ts"), ack.value(QStringLiteral("ts"))},
                           {QStringLiteral("message_id"), 12},
                           {QStringLiteral("stream"), QStringLiteral("u:5")},
                           {QStringLiteral("seq"), 3},
                           {QStringLiteral("created_at"), qint64(1700000000000)},
                           {QStringLiteral("duplicate"), true},
                           {QStringLiteral("id"), QStringLiteral("c-1")}}));
    QVERIFY(ack.value(QStringLiteral("ts")).toInteger() >= before);
    QVERIFY(!parse(Events::ack(QJsonValue(), {1, QStringLiteral("u:1"), 1, 1}, false))
                 .contains(QStringLiteral("duplicate")));

    const QJsonObject pong = parse(Events::pong(QJsonValue(17)));
    QCOMPARE(pong.value(QStringLiteral("type")).toString(), QStringLiteral("pong"));
    QCOMPARE(pong.value(QStringLiteral("id")).toInteger(), 17);
    QVERIFY(!parse(Events::pong(QJsonValue())).contains(QStringLiteral("id")));

    const QJsonObject error = parse(
        Events::error(ErrorCode::ValidationError, QStringLiteral("bad \"to\"\n"), QJsonValue()));
    QCOMPARE(error.value(QStringLiteral("code")).toString(), QStringLiteral("VALIDATION_ERROR"));
    QCOMPARE(error.value(QStringLiteral("message")).toString(), QStringLiteral("bad \"to\"\n"));
    QVERIFY(!error.contains(QStringLiteral("id")));
}

QTEST_APPLESS_MAIN(tst_JsonWriter)
#include "tst_jsonwriter.moc"
