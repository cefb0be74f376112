#!/usr/bin/python3
"""
tests/pii/mkeval.py - builds the labelled PII evaluation set in
tests/data/pii-eval/ (read by tests/unit/test_pii_eval.c; described in
docs/pii-eval.md, provenance in tests/data/pii-eval/SOURCES.md).

Every file is JSON Lines, one record per line:

    {"text": "...", "spans": [{"type": "IBAN", "start": 5, "end": 27}], "kind": "iban-paper"}

start/end are UTF-8 byte offsets into text, end exclusive. IP_ADDRESS spans
also carry "global": true for a globally routable address that is someone's
(the only IP addresses the scanner counts as PII by default), false for
private, loopback, link-local, documentation, CGNAT, multicast, ULA and the
public DNS resolvers. "kind" names the generator (for the miss lists).

The labels do not come from the scanner. The oracles are other people's
code and data:
  - python-stdnum (Debian python3-stdnum 1.18): its docstring test vectors
    (real IBANs, the US SSN example, other identifiers for the negatives),
    its IBAN registry (iban.dat) for the BBAN structure of every country,
    and its validators (iban.is_valid, luhn.is_valid, us.ssn.is_valid,
    isbn.is_valid, ...) to label generated candidates;
  - libphonenumber's metadata through python-phonenumbers (Debian
    python3-phonenumbers 8.12.57): is_valid_number labels the generated
    phone numbers and format_number writes them as each country does;
  - Python's ipaddress module for what is global.
Positives are drawn from the formats real text holds and the contract in
src/scan/pii.h, and are never filtered by what the scanner finds (formats
pii.h does not promise are left out of the set, and listed in
docs/pii-eval.md).

Deterministic: every section draws from its own random.Random seeded with
a fixed string, and every iteration over a set or a directory is sorted.
Run it again and the files come out byte for byte the same (with the same
versions of python3-stdnum and python3-phonenumbers; the script refuses
others, since their data decide labels).

Usage: tests/pii/mkeval.py [OUTDIR]     (default: tests/data/pii-eval)
"""
import ast
import base64
import ipaddress
import json
import os
import random
import re
import string
import sys
import uuid

sys.path.append('/usr/lib/python3/dist-packages')  # Debian's python3-stdnum

import stdnum  # noqa: E402
from stdnum import ean, iban, isbn, luhn  # noqa: E402
from stdnum.us import ssn  # noqa: E402

try:
    import phonenumbers as pn  # noqa: E402
except ImportError:
    sys.exit('mkeval.py: needs python3-phonenumbers (apt-get install python3-phonenumbers)')

STDNUM_VERSION = '1.18'
PHONENUMBERS_VERSION = '8.12.57'
SEED = 'granary-pii-eval-v1'

HERE = os.path.dirname(os.path.abspath(__file__))
STDNUM_DIR = os.path.dirname(stdnum.__file__)


def rng_for(section):
    return random.Random('%s/%s' % (SEED, section))


# ---- records ----

def record(kind, parts):
    """parts: strings and (type, value) or (type, value, global) tuples, in
    text order. Returns the record with byte offsets."""
    text = ''
    spans = []
    for p in parts:
        if isinstance(p, str):
            text += p
            continue
        start = len(text.encode('utf-8'))
        text += p[1]
        span = {'type': p[0], 'start': start, 'end': len(text.encode('utf-8'))}
        if p[0] == 'IP_ADDRESS':
            span['global'] = p[2]
        spans.append(span)
    return {'text': text, 'spans': spans, 'kind': kind}


def fill(kind, template, *entities):
    """template with one '{}' per entity (a (type, value[, global]) tuple)."""
    pieces = template.split('{}')
    assert len(pieces) == len(entities) + 1, template
    parts = [pieces[0]]
    for e, after in zip(entities, pieces[1:]):
        parts += [e, after]
    return record(kind, parts)


def negative(kind, template, value):
    return record(kind, [template.replace('{}', value)])


# ---- shared word lists (surroundings, not labels) ----

FIRST = ('james mary robert patricia john jennifer michael linda david elizabeth william barbara '
         'richard susan joseph jessica thomas sarah charles karen daniel nancy matthew lisa anthony '
         'betty mark sandra paul ashley steven kimberly andrew emily joshua donna kevin michelle '
         'brian carol george amanda aisha mohammed fatima ahmed wei li jun mei hiroshi yuki sakura '
         'kenji priya rahul anil deepa olga ivan sergei natalia lukas anna jonas lea mateo sofia '
         'lucia pablo chloe louis camille hugo emma noah liam olivia ava mia elena marco giulia '
         'luca sven ingrid lars kofi ama chinedu ngozi thabo zanele').split()
LAST = ('smith johnson williams brown jones garcia miller davis rodriguez martinez hernandez lopez '
        'gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white harris '
        'sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen '
        'hill flores green adams nelson baker hall rivera campbell mitchell carter roberts mueller '
        'schmidt schneider fischer weber meyer wagner becker schulz hoffmann dubois moreau laurent '
        'rossi russo ferrari esposito bianchi tanaka suzuki takahashi watanabe sato kim park choi '
        'chen wang zhang liu yang singh kumar sharma patel gupta ivanov petrov smirnov kowalski '
        'nowak jensen nielsen hansen andersson johansson okafor mensah dlamini').split()
WORDS = ('acme north star blue river summit apex nova pixel cloud data green leaf harbor orbit '
         'bright path iron gate silver peak urban nest lumen forge quantum cedar atlas beacon '
         'crescent delta echo falcon granite horizon juniper keystone lighthouse meridian nimbus '
         'oak pioneer quartz redwood sierra tandem unity vertex willow zenith alpine coastal '
         'metro global prime smart rapid vital').split()


# ---- EMAIL ----

# Real TLDs and second-level registries (IANA root zone, Public Suffix List)
# with rough weights for how often they appear in text.
EMAIL_SUFFIXES = [
    ('com', 30), ('org', 6), ('net', 6), ('de', 4), ('co.uk', 4), ('fr', 3), ('io', 3),
    ('nl', 2), ('es', 2), ('it', 2), ('com.au', 2), ('ca', 2), ('ch', 2), ('se', 1), ('pl', 1),
    ('co.jp', 1), ('com.br', 1), ('co.in', 1), ('edu', 3), ('gov', 1), ('info', 1), ('biz', 1),
    ('dev', 1), ('ai', 1), ('app', 1), ('eu', 1), ('be', 1), ('at', 1), ('dk', 1), ('no', 1),
    ('fi', 1), ('cz', 1), ('ru', 1), ('cn', 1), ('com.mx', 1), ('com.ar', 1), ('co.za', 1),
    ('co.nz', 1), ('ie', 1), ('pt', 1), ('gr', 1), ('tech', 1), ('online', 1), ('xyz', 1),
    ('shop', 1), ('ac.uk', 1), ('us', 1), ('me', 1), ('xn--p1ai', 1), ('museum', 1),
]
ROLE_LOCALS = ('info support sales noreply no-reply admin hr jobs press billing contact webmaster '
               'office hello team security privacy abuse postmaster careers').split()

EMAIL_TEMPLATES = [
    'Contact me at {}.',
    'Email: {}',
    'Please send the signed contract to {} by Friday.',
    'From: {}\nSubject: Re: quarterly numbers',
    'Reply-To: <{}>',
    'Dana Whitfield <{}>',
    '<a href="mailto:{}">Write to us</a>',
    '{"name": "J. Doe", "email": "{}", "verified": true}',
    'For questions ({}) use the form instead.',
    'Questions? Write to {}, or visit our office.',
    'cc: {}; please keep everyone in the loop',
    "Signed-off-by: Alex Moreau <{}>",
    'E-Mail-Adresse: {} · Büro 3.14',
    'Courriel : {} — merci !',
    'メールアドレス：{}（営業時間内に返信します）',
    '{} wrote:\n> see attached',
    'postfix/smtp[2231]: 4B7A21C0F: to=<{}>, relay=mx1, status=sent',
    "user '{}' logged in",
    'Send your CV to {}!',
    '[{}]',
    '<a href="mailto:{}?subject=Invoice%20query">billing</a>',
    'Kontakt: {}.',
    'Responsable: {} (RGPD)',
]


def email_address(r):
    f, l = r.choice(FIRST), r.choice(LAST)
    form = r.randrange(14)
    local = [
        f + '.' + l, f + '_' + l, f + l, f[0] + '.' + l, f[0] + l, f + '.' + l + '+' + r.choice(['news', 'shop', 'work', 'github', 'x']),
        f + '-' + l, f + '.' + l + str(r.randrange(1, 99)), f, l + str(r.randrange(1950, 2010)),
        r.choice(ROLE_LOCALS), f[0] + l[0] + str(r.randrange(100, 9999)), l + '.' + f,
        f + str(r.randrange(1, 999)),
    ][form]
    suffix = r.choices([s for s, _ in EMAIL_SUFFIXES], [w for _, w in EMAIL_SUFFIXES])[0]
    w1, w2 = r.choice(WORDS), r.choice(WORDS)
    dform = r.randrange(8)
    if suffix in ('edu', 'ac.uk'):
        dept = r.choice(['cs.', 'math.', 'med.', 'eng.', 'law.']) if r.random() < 0.5 else ''
        domain = dept + w1 + 'u.' + suffix
    elif dform == 0:
        domain = w1 + '-' + w2 + '.' + suffix
    elif dform == 1:
        domain = r.choice(['mail', 'eu', 'corp', 'mx', 'lists']) + '.' + w1 + w2 + '.' + suffix
    elif dform == 2:
        domain = w1 + str(r.randrange(2, 365)) + '.' + suffix
    else:
        domain = w1 + w2 + '.' + suffix
    addr = local + '@' + domain
    if r.random() < 0.08:
        addr = local.capitalize() + '@' + domain.capitalize()
    elif r.random() < 0.03:
        addr = addr.upper()
    return addr


def gen_email():
    r = rng_for('email')
    out = []
    for i in range(420):
        out.append(fill('email', r.choice(EMAIL_TEMPLATES), ('EMAIL', email_address(r))))
    return out


# ---- PHONE ----

# Countries sampled for international numbers (populous or commonly seen in
# web text), each with libphonenumber's metadata deciding validity.
PHONE_REGIONS = ('GB DE FR IT ES NL BE CH AT SE NO DK FI PL CZ PT IE GR HU RO UA RU TR IL AE SA EG '
                 'NG KE ZA MA IN PK BD CN JP KR TW HK SG MY TH VN PH ID AU NZ BR AR MX CO CL PE '
                 'LU SK HR SI BG RS EE LT LV IS').split()
NANP_TEMPLATES_EXTRA = ['Call {} today for a free quote.', 'Cell: {}']
PHONE_TEMPLATES = [
    'Call me at {}.',
    'Tel: {}',
    'Phone: {} (office)',
    'Mobile {} — weekdays only',
    'Reach our support line on {} any time.',
    'Telefon: {}',
    'Tél. : {}',
    '電話番号：{}',
    '{"phone": "{}", "verified": false}',
    'You can also text me ({}) if that is easier.',
    'Contact: Maria Lopez, {}, Lopez Consulting SL',
    'For bookings ring {}, or book online.',
    'Ph. {}',
    'Tel {} | Reception',
    'Hotline: {}\nOpening hours: Mon–Fri',
    'Please call back on {}; ask for Sam.',
]


def phone_desc(md, ptype):
    return {pn.PhoneNumberType.FIXED_LINE: md.fixed_line,
            pn.PhoneNumberType.MOBILE: md.mobile,
            pn.PhoneNumberType.TOLL_FREE: md.toll_free}[ptype]


def fictional(num):
    """Ranges reserved for drama and fiction: nobody's number, so neither a
    positive nor a negative here."""
    e = pn.format_number(num, pn.PhoneNumberFormat.E164)
    if e.startswith('+1') and e[5:10] == '55501':
        return True
    return any(e.startswith(p) for p in ('+447700900', '+44207946', '+441134960', '+441214960',
                                         '+441314960', '+441514960', '+441614960', '+442890180',
                                         '+441174960', '+442920180', '+61491570', '+6125550',
                                         '+3531100', '+4915901234'))


def random_phone(r, region, ptype):
    md = pn.PhoneMetadata.metadata_for_region(region)
    desc = phone_desc(md, ptype)
    ex = desc.example_number
    if not ex:
        return None
    for keep in (1, 2, 3, 4):
        for _ in range(300):
            nsn = ex[:keep] + ''.join(r.choice(string.digits) for _ in range(len(ex) - keep))
            try:
                num = pn.parse('+%d%s' % (md.country_code, nsn))
            except pn.NumberParseException:
                continue
            if (pn.is_valid_number_for_region(num, region) and
                    pn.number_type(num) in (ptype, pn.PhoneNumberType.FIXED_LINE_OR_MOBILE) and
                    not fictional(num) and nsn != ex):
                return num
    return None


def nanp_phone(r, ptype=None):
    while True:
        if ptype == pn.PhoneNumberType.TOLL_FREE:
            d = r.choice(['800', '888', '877', '866', '855', '844', '833']) + str(r.randrange(2, 10)) + \
                ''.join(r.choice(string.digits) for _ in range(6))
        else:
            d = str(r.randrange(2, 10)) + ''.join(r.choice(string.digits) for _ in range(9))
        num = pn.parse('+1' + d)
        if pn.is_valid_number(num) and not fictional(num):
            if ptype == pn.PhoneNumberType.TOLL_FREE or pn.number_type(num) != pn.PhoneNumberType.TOLL_FREE:
                return d, num


def has_marker(s):
    """What pii.h promises a phone needs: +country code (or 00), (area),
    NANP 3-3-4 with one separator, or a trunk 0 and a separator."""
    if s.startswith('+') or s.startswith('('):
        return True
    if re.fullmatch(r'1?[-. ]?\(?[2-9][0-9]{2}\)?[-. ][0-9]{3}[-. ][0-9]{4}', s):
        return True
    m = re.match(r'0[0-9]{1,4}([ \-/.]|\))', s)
    if m:
        return True
    return bool(re.match(r'[0-9] \(', s))  # Russian "8 (495) ...": a trunk digit and (area)


def nanp_formats(r, d, num):
    a, b, c = d[:3], d[3:6], d[6:]
    forms = [
        ('(%s) %s-%s' % (a, b, c), 14), ('%s-%s-%s' % (a, b, c), 14), ('%s.%s.%s' % (a, b, c), 5),
        ('%s %s %s' % (a, b, c), 4), ('+1 %s-%s-%s' % (a, b, c), 6), ('+1 (%s) %s-%s' % (a, b, c), 5),
        ('+1%s' % d, 4), ('1-%s-%s-%s' % (a, b, c), 4), ('+1.%s.%s.%s' % (a, b, c), 2),
        ('(%s)%s-%s' % (a, b, c), 2), ('+1 %s %s %s' % (a, b, c), 3), ('+1-%s-%s-%s' % (a, b, c), 3),
        ('001 %s %s %s' % (a, b, c), 1), ('%s-%s-%sx%d' % (a, b, c, r.randrange(1, 9999)), 1),
    ]
    return r.choices([f for f, _ in forms], [w for _, w in forms])[0]


def gen_phone():
    r = rng_for('phone')
    out = []
    # NANP (US, Canada, Caribbean): national forms of every shape pii.h names
    for i in range(170):
        tf = i % 17 == 0
        d, num = nanp_phone(r, pn.PhoneNumberType.TOLL_FREE if tf else None)
        s = nanp_formats(r, d, num)
        tpl = r.choice(PHONE_TEMPLATES + NANP_TEMPLATES_EXTRA)
        out.append(fill('phone-nanp' + ('-tollfree' if tf else ''), tpl, ('PHONE', s)))
    # the rest of the world: libphonenumber's formats
    F = pn.PhoneNumberFormat
    for i in range(300):
        region = PHONE_REGIONS[i % len(PHONE_REGIONS)]
        ptype = r.choice([pn.PhoneNumberType.FIXED_LINE, pn.PhoneNumberType.MOBILE])
        num = random_phone(r, region, ptype)
        if num is None:
            continue
        intl = pn.format_number(num, F.INTERNATIONAL)
        nat = pn.format_number(num, F.NATIONAL)
        e164 = pn.format_number(num, F.E164)
        choices = [('intl', intl, 10), ('e164', e164, 3), ('00', '00' + intl[1:], 2),
                   ('intl-dash', '+' + intl[1:].replace(' ', '-'), 1)]
        if has_marker(nat):
            choices.append(('national', nat, 6))
        if md_trunk0(region) and nat.startswith('0') and has_marker(nat):
            cc, rest = intl.split(' ', 1)
            choices.append(('intl-(0)', cc + r.choice([' (0)', ' (0) ']) + nat[1:], 1))
            if ' ' in nat and region in ('DE', 'AT', 'CH', 'NL', 'BE', 'LU'):
                # the area code, then the subscriber number unbroken: 030/1234567, 020-1234567
                area, sub = nat.split(' ', 1)
                choices.append(('national-area', area + r.choice(['/', '-', ' ']) + sub.replace(' ', ''), 4))
            if region == 'FR':
                choices.append(('national-dots', nat.replace(' ', '.'), 3))
        form, s, _ = r.choices(choices, [w for _, _, w in choices])[0]
        out.append(fill('phone-%s-%s' % (region, form), r.choice(PHONE_TEMPLATES), ('PHONE', s)))
    # a telephone and a fax number side by side, as letterheads and imprints have them
    for i in range(40):
        region = ['DE', 'AT', 'CH', 'FR', 'IT', 'NL', 'GB', 'BE'][i % 8]
        nums = [random_phone(r, region, pn.PhoneNumberType.FIXED_LINE) for _ in range(2)]
        if None in nums:
            continue
        fmt = r.choice([F.INTERNATIONAL, F.NATIONAL]) if region != 'IT' else F.INTERNATIONAL
        a, b = (pn.format_number(n, fmt) for n in nums)
        tpl = r.choice(['Tel. {} · Fax {}', 'T: {}, F: {}', 'Telefon {} | Telefax {}', 'Tél. {} – Fax {}'])
        out.append(fill('phone-%s-telfax' % region, tpl, ('PHONE', a), ('PHONE', b)))
    return out


def md_trunk0(region):
    return pn.PhoneMetadata.metadata_for_region(region).national_prefix == '0'


# ---- IP_ADDRESS ----

IP_TEMPLATES = [
    'Failed password for invalid user admin from {} port 52234 ssh2',
    '{} - - [10/Oct/2023:13:55:36 +0000] "GET /index.html HTTP/1.1" 200 2326',
    'Client IP: {}',
    'Blocked connection attempt from {}.',
    'X-Forwarded-For: {}',
    'The customer logged in from {} yesterday evening.',
    'Your IP address is {}',
    'ban {} for repeated abuse',
    '{"remote_addr": "{}", "status": 403}',
    'Login from a new device ({}) — was this you?',
    'Accepted publickey for deploy from {} port 40122',
    'fail2ban.actions: NOTICE [sshd] Ban {}',
    'Connection from {} closed by remote host',
    'Visitor {} viewed /pricing 3 times',
    'Anfrage von {} abgelehnt',
    'Accès refusé pour {}.',
]
IP6_TEMPLATES = IP_TEMPLATES + [
    'Connecting to [{}]:443...',
    'inet6 {} scope global dynamic',
    'AAAA record for the mail host: {}',
]
# non-global: (network, share)
NONGLOBAL4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16',
              '100.64.0.0/10', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4']
NONGLOBAL6 = ['fe80::/64', 'fd00::/8', '2001:db8::/32', 'ff02::/16']
RESOLVERS = ['8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '9.9.9.9', '208.67.222.222',
             '2001:4860:4860::8888', '2606:4700:4700::1111']


def global_v4(r):
    while True:
        a = ipaddress.IPv4Address(r.getrandbits(32))
        if a.is_global and not a.is_multicast and not a.is_reserved and str(a) not in RESOLVERS:
            return a


def global_v6(r):
    first = r.choice([0x2001, 0x2a00, 0x2a01, 0x2a02, 0x2a03, 0x2600, 0x2601, 0x2603, 0x2604, 0x2607,
                      0x2409, 0x2400, 0x2404, 0x2800, 0x2803, 0x2c0f, 0x2406, 0x2a0e, 0x2620])
    while True:
        groups = [first] + [r.getrandbits(16) for _ in range(7)]
        if first == 0x2001:
            groups[1] = r.randrange(0x0200, 0x0dff)  # past 2001::/23, before 2001:db8::/32
        if r.random() < 0.7:  # runs of zeros, as real assignments have
            s = r.randrange(2, 7)
            for k in range(s, min(8, s + r.randrange(1, 5))):
                groups[k] = 0
        if r.random() < 0.4:
            groups[3] = r.randrange(0, 0x1000)
        a = ipaddress.IPv6Address(':'.join('%x' % g for g in groups))
        if a.is_global and str(a) not in RESOLVERS:
            return a


def in_net(r, net):
    n = ipaddress.ip_network(net)
    return n.network_address + r.randrange(1, n.num_addresses - 1)


def v6_text(r, a):
    form = r.choices(['compressed', 'exploded', 'nozeros', 'upper'], [7, 1, 1, 1])[0]
    if form == 'compressed':
        return str(a)
    if form == 'exploded':
        return a.exploded
    if form == 'nozeros':
        return ':'.join('%x' % int(g, 16) for g in a.exploded.split(':'))
    return str(a).upper()


def gen_ip():
    r = rng_for('ip')
    out = []
    for i in range(260):  # global IPv4
        a = str(global_v4(r))
        tpl = r.choice(IP_TEMPLATES)
        kind = 'ipv4'
        if i % 13 == 0:
            a += '/%d' % r.choice([16, 20, 24, 28, 32])
            tpl, kind = r.choice(['allow {};', 'Announced prefix {} from AS64500', 'ACL: permit {}']), 'ipv4-cidr'
        elif i % 11 == 0:
            tpl, kind = r.choice(['listening on {}:8443', 'upstream {}:3000 failed', 'curl http://{}:8080/health']), \
                'ipv4-port'
        out.append(fill(kind, tpl, ('IP_ADDRESS', a, True)))
    for i in range(150):  # global IPv6
        a = v6_text(r, global_v6(r))
        tpl = r.choice(IP6_TEMPLATES)
        out.append(fill('ipv6', tpl, ('IP_ADDRESS', a, True)))
    for i in range(100):  # non-global IPv4
        net = NONGLOBAL4[i % len(NONGLOBAL4)]
        a = in_net(r, net)
        assert not a.is_global or a.is_multicast
        out.append(fill('ipv4-nonglobal', r.choice(IP_TEMPLATES), ('IP_ADDRESS', str(a), False)))
    for i in range(40):  # non-global IPv6
        net = NONGLOBAL6[i % len(NONGLOBAL6)]
        a = in_net(r, net)
        assert not a.is_global or a.is_multicast
        if net == 'fe80::/64' and i % 8 == 0:  # a zone id is not part of the address (rules.c)
            out.append(fill('ipv6-nonglobal-zone', 'ping6 {}%eth0', ('IP_ADDRESS', str(a), False)))
            continue
        out.append(fill('ipv6-nonglobal', r.choice(IP6_TEMPLATES), ('IP_ADDRESS', str(a), False)))
    for i, a in enumerate(RESOLVERS):
        out.append(fill('ip-resolver', r.choice(['nameserver {}', 'Set your DNS to {} and retry.',
                                                  'dig @{} example.org']),
                        ('IP_ADDRESS', a, False)))
    for a in ('::1', '::ffff:192.168.10.4', '0.0.0.0'):
        out.append(fill('ip-special', 'bound to {} only', ('IP_ADDRESS', a, False)))
    return out


# ---- CREDIT_CARD ----

# Issuer identification number ranges and lengths (ISO/IEC 7812 as the
# networks publish them): (name, prefixes, lengths, weight)
ISSUERS = [
    ('visa', ['4'], [16], 30), ('visa13', ['4'], [13], 1), ('visa19', ['4'], [19], 1),
    ('mastercard', ['51', '52', '53', '54', '55'], [16], 18),
    ('mastercard2', [str(p) for p in range(2221, 2721)], [16], 4),
    ('amex', ['34', '37'], [15], 10), ('discover', ['6011', '65'] + [str(p) for p in range(644, 650)], [16], 5),
    ('jcb', [str(p) for p in range(3528, 3590)], [16], 3), ('diners', ['36', '38'] + [str(p) for p in range(300, 306)], [14], 3),
    ('unionpay', ['62'], [16, 19], 3), ('maestro', ['5018', '5020', '5038', '6304', '6759', '6761', '6762', '6763'],
                                         [12, 13, 16, 19], 2),
    ('mir', ['2200', '2201', '2202', '2203', '2204'], [16], 1),
]
CARD_TEMPLATES = [
    'Card number: {}',
    'Visa {} exp 09/27',
    'Please charge {} for the outstanding balance.',
    'PAN {} flagged by the fraud model',
    'Kartennummer: {}',
    'payment method: {} (debit)',
    '{"card": "{}", "exp": "11/26"}',
    'Credit card {}, CVV 381',
    'I paid with my card {} but the order never arrived.',
    'Numéro de carte : {}',
    'CC# {}',
    'card={}&amount=49.90',
    'Update the billing card to {} please.',
    'Card: {}, 09/27, CVC 123',
]


def card_number(r, valid=True):
    name, prefixes, lengths, _ = r.choices(ISSUERS, [w for *_, w in ISSUERS])[0]
    while True:
        n = r.choice(lengths)
        body = r.choice(prefixes)
        body += ''.join(r.choice(string.digits) for _ in range(n - 1 - len(body)))
        cd = luhn.calc_check_digit(body)
        if not valid:
            cd = str((int(cd) + r.randrange(1, 10)) % 10)
        d = body + cd
        if luhn.is_valid(d) == valid:
            return name, d


def card_text(r, name, d):
    n = len(d)
    forms = ['bare']
    if n == 16:
        forms += ['space', 'space', 'dash']
    if n == 19:
        forms += ['space5']
    if name == 'amex':
        forms += ['amex', 'amex']
    if name == 'diners':
        forms += ['diners']
    form = r.choice(forms)
    if form == 'bare':
        return form, d
    if form in ('space', 'dash', 'space5'):
        sep = '-' if form == 'dash' else ' '
        return form, sep.join(d[i:i + 4] for i in range(0, n, 4))
    if form == 'amex':
        return form, '%s %s %s' % (d[:4], d[4:10], d[10:])
    return form, '%s %s %s' % (d[:4], d[4:10], d[10:])


def gen_card():
    r = rng_for('card')
    out = []
    for _ in range(420):
        name, d = card_number(r)
        form, s = card_text(r, name, d)
        out.append(fill('card-%s-%s' % (name, form), r.choice(CARD_TEMPLATES), ('CREDIT_CARD', s)))
    return out


# ---- IBAN ----

def iban_registry():
    """country -> BBAN structure as [(count, class)], from stdnum's iban.dat."""
    reg = {}
    with open(os.path.join(STDNUM_DIR, 'iban.dat')) as f:
        for line in f:
            m = re.match(r'([A-Z]{2}) .*bban="([^"]+)"', line)
            if m:
                reg[m.group(1)] = [(int(c), k) for c, k in re.findall(r'([0-9]+)!([nac])', m.group(2))]
    return reg


_DOC_VECTORS = []


def stdnum_doc_vectors():
    """(module, title, function, value) for every literal in a '>>> f(...)' doctest line of
    the stdnum module docstrings, in a fixed order."""
    if _DOC_VECTORS:
        return _DOC_VECTORS
    out = _DOC_VECTORS
    for root, dirs, files in os.walk(STDNUM_DIR):
        dirs.sort()
        for fn in sorted(files):
            if not fn.endswith('.py'):
                continue
            path = os.path.join(root, fn)
            with open(path, encoding='utf-8') as f:
                doc = ast.get_docstring(ast.parse(f.read())) or ''
            mod = os.path.relpath(path, STDNUM_DIR)[:-3].replace(os.sep, '.')
            title = doc.split('\n', 1)[0].strip().rstrip('.')
            for m in re.finditer(r">>> (\w+)\('([^']+)'", doc):
                out.append((mod, title, m.group(1), m.group(2)))
    return out


def paper(s):
    return ' '.join(s[i:i + 4] for i in range(0, len(s), 4))


IBAN_TEMPLATES = [
    'IBAN: {}',
    'Please transfer the amount to IBAN {} (BIC AGRIFRPP882).',
    'Bankverbindung: {}',
    'Kontonummer (IBAN) {}.',
    'IBAN {}\nBIC: DEUTDEDBFRA',
    '{"iban": "{}", "holder": "K. Nowak"}',
    'Account: {}; reference: INV-2023-0042',
    'Veuillez virer le montant sur le compte {} avant le 15.',
    'Refund goes to {} — thanks!',
    'IBAN:{}',
    'Mi cuenta es {}',
    'Beneficiary IBAN ({}) does not match the name.',
    'Rekeningnummer: {}',
]


def random_iban(r, reg, cc):
    struct = reg[cc]
    for _ in range(20000):
        bban = ''
        for count, k in struct:
            alphabet = {'n': string.digits, 'a': string.ascii_uppercase,
                        'c': string.digits * 2 + string.ascii_uppercase}[k]
            bban += ''.join(r.choice(alphabet) for _ in range(count))
        cand = cc + '00' + bban
        s = cc + iban.calc_check_digits(cand) + bban
        if iban.is_valid(s):  # registry structure, mod 97 and national check digits (be, es, me, no)
            return s
    raise RuntimeError('no valid IBAN for ' + cc)


def gen_iban():
    r = rng_for('iban')
    reg = iban_registry()
    out = []
    seen = set()
    for mod, title, fn, v in stdnum_doc_vectors():  # the real examples first
        if fn == 'validate' and iban.is_valid(v):
            c = iban.compact(v)
            if c in seen:
                continue
            seen.add(c)
            for s in (c, paper(c)):
                out.append(fill('iban-stdnum-doc', r.choice(IBAN_TEMPLATES), ('IBAN', s)))
    countries = sorted(reg)
    for i in range(5 * len(countries)):
        cc = countries[i % len(countries)]
        s = random_iban(r, reg, cc)
        form = r.choice(['compact', 'paper', 'paper'])
        out.append(fill('iban-%s-%s' % (cc, form), r.choice(IBAN_TEMPLATES),
                        ('IBAN', s if form == 'compact' else paper(s))))
    return out


# ---- US_SSN ----

SSN_TEMPLATES = [
    'SSN: {}',
    'Social Security Number: {}',
    'My SSN is {}.',
    'SSN {} (on file)',
    'social security no. {}',
    '{"ssn": "{}", "dob": "1984-03-12"}',
    'Employee 4471, SSN {}, start date 2021-06-01',
    "Applicant's social security number: {}",
    'Please verify SSN#{} against the W-2.',
    'Name: Dana Reyes | SSN: {} | State: OH',
]
SSN_PLAIN_TEMPLATES = [  # dashed/spaced numbers written without a keyword
    'Employee: Jane Roe, {}, DOB 03/12/1984',
    'The number on the card is {}.',
    'Tax ID {} was rejected by the IRS.',
    'W-2 copy attached (employee no. {})',
    'id={} verified',
]


def ssn_number(r, valid=True):
    while True:
        if valid:
            a = r.randrange(1, 900)
            if a == 666:
                continue
            g, s = r.randrange(1, 100), r.randrange(1, 10000)
        else:
            kind = r.randrange(5)
            a = [0, 666, r.randrange(900, 1000), r.randrange(1, 900), r.randrange(1, 900)][kind]
            g = 0 if kind == 3 else r.randrange(1, 100)
            s = 0 if kind == 4 else r.randrange(1, 10000)
        d = '%03d%02d%04d' % (a, g, s)
        if ssn.is_valid(d) == valid:
            return d


def gen_ssn():
    r = rng_for('ssn')
    out = []
    for mod, title, fn, v in stdnum_doc_vectors():
        if mod == 'us.ssn' and fn == 'validate' and ssn.is_valid(v):
            out.append(fill('ssn-stdnum-doc', r.choice(SSN_TEMPLATES), ('US_SSN', v)))
    for _ in range(420):
        d = ssn_number(r)
        form = r.choices(['dash', 'space', 'bare', 'dots'], [14, 2, 4, 1])[0]
        if form in ('bare', 'dots'):  # rules.c: these only after a context word
            tpl = r.choice(SSN_TEMPLATES)
            s = d if form == 'bare' else d[:3] + '.' + d[3:5] + '.' + d[5:]
        else:
            sep = '-' if form == 'dash' else ' '
            s = d[:3] + sep + d[3:5] + sep + d[5:]
            tpl = r.choice(SSN_TEMPLATES + SSN_PLAIN_TEMPLATES)
        out.append(fill('ssn-' + form, tpl, ('US_SSN', s)))
    return out


# ---- SECRET ----

ALNUM = string.ascii_letters + string.digits
SECRET_TEMPLATES = [
    'export {}',
    'token: {}',
    'Authorization: Bearer {}',
    'api_key = "{}"',
    'const key = \'{}\';',
    'curl -H "Authorization: token {}" https://api.example.net/user',
    'oops, I pasted my key here: {} — please rotate it',
    '{"secret": "{}"}',
]


def rs(r, alphabet, n):
    return ''.join(r.choice(alphabet) for _ in range(n))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()


def gen_secret():
    r = rng_for('secret')
    out = []
    B32 = string.ascii_uppercase + '234567'
    for i in range(180):
        kind = ['aws', 'github', 'github-pat', 'gitlab', 'slack', 'google', 'stripe', 'jwt', 'pem'][i % 9]
        if kind == 'aws':
            v = r.choice(['AKIA', 'ASIA']) + rs(r, B32, 16)
            pre = r.choice(['AWS_ACCESS_KEY_ID=', 'aws_access_key_id = ', ''])
        elif kind == 'github':
            v = 'gh' + r.choice('pousr') + '_' + rs(r, ALNUM, 36)
            pre = r.choice(['GITHUB_TOKEN=', ''])
        elif kind == 'github-pat':
            v = 'github_pat_' + rs(r, ALNUM, 22) + '_' + rs(r, ALNUM, 59)
            pre = ''
        elif kind == 'gitlab':
            v = 'glpat-' + rs(r, ALNUM + '_-', 20)
            pre = r.choice(['GITLAB_TOKEN=', ''])
        elif kind == 'slack':
            v = r.choice(['xoxb', 'xoxp']) + '-' + rs(r, string.digits, 12) + '-' + rs(r, string.digits, 13) + '-' + \
                rs(r, ALNUM, 24)
            pre = r.choice(['SLACK_BOT_TOKEN=', ''])
        elif kind == 'google':
            v = 'AIza' + rs(r, ALNUM + '_-', 35)
            pre = r.choice(['GOOGLE_API_KEY=', ''])
        elif kind == 'stripe':
            v = r.choice(['sk_live_', 'rk_live_']) + rs(r, ALNUM, r.choice([24, 99]))
            pre = r.choice(['STRIPE_SECRET_KEY=', ''])
        elif kind == 'jwt':
            head = b64u(json.dumps({'alg': r.choice(['HS256', 'RS256', 'ES256']), 'typ': 'JWT'},
                                   separators=(',', ':')).encode())
            pay = b64u(json.dumps({'sub': str(uuid.UUID(int=r.getrandbits(128), version=4)),
                                   'name': r.choice(FIRST).capitalize() + ' ' + r.choice(LAST).capitalize(),
                                   'iat': r.randrange(1600000000, 1700000000)},
                                  separators=(',', ':')).encode())
            v = head + '.' + pay + '.' + b64u(bytes(r.getrandbits(8) for _ in range(32)))
            pre = ''
        else:
            label = r.choice(['RSA PRIVATE KEY', 'PRIVATE KEY', 'EC PRIVATE KEY', 'OPENSSH PRIVATE KEY'])
            body = base64.b64encode(bytes(r.getrandbits(8) for _ in range(r.choice([120, 180, 240])))).decode()
            lines = '\n'.join(body[k:k + 64] for k in range(0, len(body), 64))
            v = '-----BEGIN %s-----\n%s\n-----END %s-----' % (label, lines, label)
            out.append(fill('secret-pem', r.choice(['key file contents:\n{}\n', '{}', 'id_rsa:\n{}']),
                            ('SECRET', v)))
            continue
        tpl = r.choice(SECRET_TEMPLATES)
        if tpl.startswith('export'):
            tpl = 'export ' + (pre or 'TOKEN=') + '{}'
        out.append(fill('secret-' + kind, tpl, ('SECRET', v)))
    return out


# ---- negatives: texts without spans ----

def gen_negative():
    r = rng_for('negative')
    out = []

    def add(kind, tpls, value):
        out.append(negative(kind, r.choice(tpls), value))

    # version strings
    tv = ['Upgraded to {} last night.', 'Requires {} or later.', 'pip install requests=={}', 'Tested with {}',
          'Changelog for {}:', '"version": "{}"', 'Build {} (stable)', 'npm ERR! peer dep {} not met']
    for _ in range(220):
        k = r.randrange(9)
        # semantic versions: small major and minor, patch mostly small; a
        # fourth part is either small too (7.5.4.2) or a build number
        a, b = r.choice([0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 20]), r.randrange(0, 25)
        c = r.randrange(0, 20) if r.random() < 0.8 else r.randrange(20, 300)
        d = r.randrange(0, 10) if r.random() < 0.5 else r.randrange(10, 10000)
        v = ['%d.%d.%d.%d' % (a, b, c, d), 'v%d.%d.%d' % (a, b, c), 'v10.0.%d' % r.randrange(10000, 22700),
             '10.0.%d.%d' % (r.randrange(10000, 22700), r.randrange(1, 4000)),
             'Python %d.%d.%d' % (3, r.randrange(6, 13), r.randrange(0, 20)),
             'Chrome/%d.0.%d.%d' % (r.randrange(90, 125), r.randrange(4000, 6500), r.randrange(1, 200)),
             'libfoo-%d.%d.%d' % (a, b, c), '%d.%d.%d-beta.%d' % (a, b, c, r.randrange(1, 9)),
             'kernel %d.%d.0-%d-amd64' % (r.randrange(4, 7), r.randrange(0, 20), r.randrange(1, 30))][k]
        add('neg-version', tv, v)
    # timestamps and dates
    tt = ['[{}] INFO worker started', 'Last modified: {}', 'created_at={}', 'Meeting moved to {}.',
          '{} - user logged out', 'Date: {}', 'Backup {} completed', 'timestamp {} ms since epoch']
    for _ in range(220):
        y, mo, dd = r.randrange(1990, 2031), r.randrange(1, 13), r.randrange(1, 29)
        h, mi, s = r.randrange(0, 24), r.randrange(0, 60), r.randrange(0, 60)
        k = r.randrange(12)
        v = ['%04d-%02d-%02d %02d:%02d:%02d' % (y, mo, dd, h, mi, s),
             '%04d-%02d-%02dT%02d:%02d:%02d.%03dZ' % (y, mo, dd, h, mi, s, r.randrange(1000)),
             '%04d%02d%02d' % (y, mo, dd), '%04d%02d%02dT%02d%02d%02d' % (y, mo, dd, h, mi, s),
             '%02d.%02d.%04d' % (dd, mo, y), '%02d/%02d/%04d' % (mo, dd, y), '%04d/%02d/%02d' % (y, mo, dd),
             '%02d/%s/%04d:%02d:%02d:%02d +0200' % (dd, ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
                                                        'Sep', 'Oct', 'Nov', 'Dec'][mo - 1], y, h, mi, s),
             '%d' % r.randrange(946684800, 1900000000), '%d' % r.randrange(946684800000, 1900000000000),
             '%04d-%02d-%02d %02d:%02d:%02d,%03d' % (y, mo, dd, h, mi, s, r.randrange(1000)),
             '%02d:%02d:%02d.%06d' % (h, mi, s, r.randrange(1000000))][k]
        add('neg-timestamp', tt, v)
    # ISBNs: valid by stdnum.isbn, hyphenated by its range table
    ti = ['ISBN {}', 'ISBN-13: {}', 'isbn:{}', '(Springer, 2019; ISBN {})', 'ISBN-10 {}',
          'Hardcover, 412 pages, ISBN {}.', 'Ref. ISBN {} (2nd ed.)']
    n = 0
    while n < 160:
        body = r.choice(['978', '979']) + ''.join(r.choice(string.digits) for _ in range(9))
        v = body + ean.calc_check_digit(body)
        if not isbn.is_valid(v):
            continue
        try:
            h = isbn.format(v)
        except Exception:
            continue
        if h.count('-') != 4:
            continue  # not in a registered range
        form = r.randrange(4)
        if form == 1:
            v = h
        elif form >= 2 and v.startswith('978'):
            v = isbn.to_isbn10(v)
            v = isbn.format(v) if form == 3 else v
        add('neg-isbn', ti, v)
        n += 1
    # DOIs
    td = ['doi:{}', 'https://doi.org/{}', 'DOI: {}', 'available at doi.org/{}', '[{}]', 'see {} for details']
    for _ in range(110):
        reg = r.choice(['1000', '1038', '1016', '1145', '1109', '1093', '1371', '1126', '1103', '48550', '5281'])
        k = r.randrange(6)
        suf = ['xyz%d' % r.randrange(1000), 's%05d-%03d-%04d-%d' % (r.randrange(41586, 41599), r.randrange(20, 24), r.randrange(10000), r.randrange(10)),
               'j.cell.%d.%02d.%03d' % (r.randrange(2000, 2024), r.randrange(1, 13), r.randrange(1, 100)),
               '%d.%d' % (r.randrange(3000000, 3700000), r.randrange(3000000, 3700000)),
               'PhysRevLett.%d.%06d' % (r.randrange(90, 130), r.randrange(1000000)),
               'zenodo.%d' % r.randrange(1000000, 9999999)][k]
        add('neg-doi', td, '10.%s/%s' % (reg, suf))
    # GUIDs / UUIDs
    tg = ['request id {}', 'GUID {}', '{"id": "{}"}', 'object {} not found', 'CLSID\\{{}}', 'trace={}']
    for _ in range(110):
        u = str(uuid.UUID(int=r.getrandbits(128), version=r.choice([1, 4])))
        add('neg-uuid', tg, u.upper() if r.random() < 0.3 else u)
    # git SHAs
    ts = ['commit {}', 'fixed in {}', 'Merge {} into main', 'git checkout {}', 'HEAD is now at {} tidy up',
          'cherry-picked from {})']
    for _ in range(110):
        h = '%040x' % r.getrandbits(160)
        add('neg-sha', ts, h if r.random() < 0.5 else h[:7])
    # decimals and prices
    tn = ['Total: {}', 'pi is about {}', 'The value came out at {}.', 'Price {} incl. VAT', 'weight {} kg',
          'Revenue grew to {} in Q3', 'coords {}']
    for _ in range(170):
        k = r.randrange(9)
        v = ['%.5f' % r.uniform(0, 10), '{:,.2f}'.format(r.uniform(1000, 99999999)),
             '$' + '{:,.2f}'.format(r.uniform(1, 99999)), '€ ' + '{:,.2f}'.format(r.uniform(1, 999999)).replace(',', 'X').replace('.', ',').replace('X', '.'),
             '%.6f' % r.uniform(0, 0.01), '%.8e' % r.uniform(1, 1e24),
             '%.4f, %.4f' % (r.uniform(-90, 90), r.uniform(-180, 180)),
             '%d %03d %03d' % (r.randrange(1, 999), r.randrange(1000), r.randrange(1000)),
             '%.2f %.2f %.2f' % (r.uniform(0, 100), r.uniform(0, 100), r.uniform(0, 100))][k]
        add('neg-decimal', tn, v)
    # card-like numbers that fail Luhn (stdnum.luhn says so)
    for _ in range(160):
        name, d = card_number(r, valid=False)
        form, s = card_text(r, name, d)
        add('neg-card-luhn', CARD_TEMPLATES, s)
    # IBANs with broken check digits (mod 97 fails) or a typo in the BBAN
    reg = iban_registry()
    countries = sorted(reg)
    for i in range(160):
        s = random_iban(r, reg, countries[i % len(countries)])
        if i % 2:
            s = s[:2] + '%02d' % ((int(s[2:4]) + r.randrange(1, 90) - 2) % 97 + 2) + s[4:]
        else:
            k = r.randrange(4, len(s) - 1)
            if s[k] == s[k + 1] or not (s[k].isdigit() and s[k + 1].isdigit()):
                k = max(j for j in range(4, len(s)) if s[j].isdigit())
                s = s[:k] + str((int(s[k]) + r.randrange(1, 10)) % 10) + s[k + 1:]
            else:
                s = s[:k] + s[k + 1] + s[k] + s[k + 2:]
        if iban.is_valid(s, check_country=False):
            continue
        add('neg-iban-mod97', IBAN_TEMPLATES, s if r.random() < 0.5 else paper(s))
    # invalid SSNs (stdnum.us.ssn says so), ITIN-shaped 9xx numbers too
    for _ in range(160):
        d = ssn_number(r, valid=False)
        s = d[:3] + '-' + d[3:5] + '-' + d[5:] if r.random() < 0.85 else d
        add('neg-ssn-invalid', SSN_TEMPLATES, s)
    for v in ('078-05-1120', '457-55-5462', '219-09-9999'):  # stdnum's blacklist
        add('neg-ssn-blacklist', SSN_TEMPLATES, v)
    # pseudo e-mail addresses
    te = ['<img src="{}">', 'see {}', 'npm install {}', 'uses {}', '{} is required', 'Follow {} for updates']
    for _ in range(90):
        k = r.randrange(8)
        v = ['%s@%dx.%s' % (r.choice(['img', 'logo', 'icon', 'hero', 'avatar', 'banner']), r.randrange(2, 4),
                           r.choice(['png', 'jpg', 'webp', 'gif'])),
             '%s@1.5x.png' % r.choice(['icon', 'sprite']),
             '%s@%d.%d.%d' % (r.choice(['lodash', 'react', 'vue', 'express', 'typescript', 'left-pad']),
                              r.randrange(1, 20), r.randrange(0, 30), r.randrange(0, 30)),
             '@%s_%s' % (r.choice(FIRST), r.choice(LAST)), '@types/%s' % r.choice(['node', 'react', 'jest']),
             'nginx@sha256:%064x' % r.getrandbits(256), '%s@localhost' % r.choice(['root', 'postgres', 'admin']),
             '@media (max-width: %dpx)' % r.randrange(320, 1400)][k]
        add('neg-pseudo-email', te, v)
    # order, tracking, ticket and reference numbers
    to = ['Order #{} has shipped.', 'Your order {} is confirmed', 'Tracking: {}', 'Ticket {} closed',
          'PO {} approved', 'Invoice {} is overdue', 'Ref: {}']
    for _ in range(110):
        k = r.randrange(8)
        v = ['%03d-%07d-%07d' % (r.randrange(100, 999), r.randrange(10**7), r.randrange(10**7)),
             'INV-%d-%06d' % (r.randrange(2015, 2025), r.randrange(10**6)),
             '1Z%s%s' % (rs(r, string.ascii_uppercase + string.digits, 6), rs(r, string.digits, 10)),
             '#%d' % r.randrange(1000, 999999), '45%08d' % r.randrange(10**8),
             '%d/%02d/%06d' % (r.randrange(2015, 2025), r.randrange(1, 13), r.randrange(10**6)),
             'CS%07d' % r.randrange(10**7), '%012d' % r.randrange(10**11, 10**12)][k]
        add('neg-order', to, v)
    # other numbers of everyday text
    tm = ['{}', 'See {}.', 'Note: {}', '({})']
    for _ in range(120):
        k = r.randrange(10)
        v = ['ZIP %05d-%04d' % (r.randrange(501, 99951), r.randrange(1, 10000)),
             'population %d %03d %03d' % (r.randrange(1, 99), r.randrange(1000), r.randrange(1000)),
             'pp. %d-%d' % (lambda a: (a, a + r.randrange(1, 40)))(r.randrange(1, 900)),
             'final score %d-%d' % (r.randrange(0, 8), r.randrange(0, 8)),
             'routing number %09d' % r.randrange(10**8, 10**9),
             'part no. %03d-%04d-%02d' % (r.randrange(1000), r.randrange(10000), r.randrange(100)),
             'Room %d.%02d, floor %d' % (r.randrange(1, 9), r.randrange(100), r.randrange(1, 30)),
             'from %d to %d' % (r.randrange(1900, 2000), r.randrange(2000, 2030)),
             'serial %s-%s-%s' % (rs(r, string.digits, 4), rs(r, string.digits, 4), rs(r, string.digits, 4)),
             'matrix [%d %d %d %d]' % tuple(r.randrange(100, 9999) for _ in range(4))][k]
        add('neg-misc-number', tm, v)
    # other identifiers: the valid examples in stdnum's docstrings, under
    # their own names (none is an e-mail, card, IBAN, IP, US SSN or phone)
    docs = []
    skip = re.compile(r'(^|\.)(iban|luhn|verhoeff|damm|iso7064.*|us\..*|.*\.vat|iso11649|bic)$')
    for mod, title, fn, v in stdnum_doc_vectors():
        if fn != 'validate' or skip.search(mod) or v.startswith('+') or '@' in v:
            continue
        try:
            m = __import__('stdnum.' + mod, fromlist=['is_valid'])
        except ImportError:
            continue
        if not getattr(m, 'is_valid', lambda x: False)(v) or iban.is_valid(v):
            continue
        digits = re.sub(r'[^0-9]', '', v)
        if 12 <= len(digits) <= 19 and luhn.is_valid(digits):
            continue  # could be a card number; keep the set unambiguous
        docs.append((title, v))
    docs = sorted(set(docs))
    for title, v in r.sample(docs, min(120, len(docs))):
        out.append(negative('neg-other-id', '%s: %s' % (title.split(' (')[0], '{}'), v))
    for v in ('4006381333931', '73513537', '9780471117094'):
        add('neg-other-id', ['EAN {}', 'barcode {}'], v)
    # doc placeholders and published samples of secrets
    for v in ('AKIAIOSFODNN7EXAMPLE', 'ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'sk_live_your_key_here_0000000000',
              'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.'
              'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
              'xoxb-your-token-here', 'pk_live_' + 'Tb2Xh0Jc4Kq9mPz1R7sW3v8N'):
        add('neg-secret-sample', SECRET_TEMPLATES, v)
    return out


# ---- mixed: several entities in one text ----

def gen_mixed():
    r = rng_for('mixed')
    out = []
    reg = iban_registry()
    countries = sorted(reg)
    for i in range(120):
        f, l = r.choice(FIRST).capitalize(), r.choice(LAST).capitalize()
        d, num = nanp_phone(r)
        phone = nanp_formats(r, d, num)
        email = email_address(r)
        k = i % 4
        if k == 0:
            out.append(record('mixed-contact', ['%s %s, ' % (f, l), ('EMAIL', email), ', ', ('PHONE', phone),
                                                '. Met on 2023-04-11.']))
        elif k == 1:
            s = ssn_number(r)
            out.append(record('mixed-form', ['Name: %s %s | SSN: ' % (f, l), ('US_SSN', s[:3] + '-' + s[3:5] + '-' + s[5:]),
                                             ' | Email: ', ('EMAIL', email), ' | Tel: ', ('PHONE', phone)]))
        elif k == 2:
            name, c = card_number(r)
            form, cs = card_text(r, name, c)
            ip = str(global_v4(r))
            out.append(record('mixed-order', ['Order 4471 placed from ', ('IP_ADDRESS', ip, True), ' by ', ('EMAIL', email),
                                              ' with card ', ('CREDIT_CARD', cs), ' (total $1,249.00)']))
        else:
            s = random_iban(r, reg, r.choice(countries))
            out.append(record('mixed-payout', ['Payout to %s %s: IBAN ' % (f, l), ('IBAN', paper(s)),
                                               ', contact ', ('EMAIL', email), ' v2.3.1']))
    for i in range(30):  # address lists
        a, b = email_address(r), email_address(r)
        out.append(record('mixed-emails', [r.choice(['To: ', 'Recipients: ', 'cc ']), ('EMAIL', a),
                                           r.choice([', ', '; ', ' and ']), ('EMAIL', b)]))
    return out


def write(outdir, name, recs):
    path = os.path.join(outdir, name)
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        for rec in recs:
            b = rec['text'].encode('utf-8')
            for sp in rec['spans']:
                assert 0 <= sp['start'] < sp['end'] <= len(b)
            f.write(json.dumps(rec, ensure_ascii=False) + '\n')
    return len(recs)


def main():
    if stdnum.__version__ != STDNUM_VERSION or pn.__version__ != PHONENUMBERS_VERSION:
        sys.exit('mkeval.py: made with python3-stdnum %s and python3-phonenumbers %s, found %s and %s: '
                 'the labels would change' % (STDNUM_VERSION, PHONENUMBERS_VERSION, stdnum.__version__,
                                              pn.__version__))
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'data', 'pii-eval')
    os.makedirs(outdir, exist_ok=True)
    for name, gen in (('email.jsonl', gen_email), ('phone.jsonl', gen_phone), ('ip.jsonl', gen_ip),
                      ('card.jsonl', gen_card), ('iban.jsonl', gen_iban), ('ssn.jsonl', gen_ssn),
                      ('secret.jsonl', gen_secret), ('mixed.jsonl', gen_mixed),
                      ('negative.jsonl', gen_negative)):
        print('%-15s %5d records' % (name, write(outdir, name, gen())))


if __name__ == '__main__':
    main()
