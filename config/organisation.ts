// Default organisation settings, drawn from WELgee's own public texts (shared/seeds).
// They are seeded into the `settings` table on first start; staff edit them there.

export interface Localized {
  ja: string;
  en: string;
}

export interface OrganisationSettings {
  name: Localized;
  legalName: Localized;
  representative: Localized;
  /** 所在地: the postal address printed on every email, receipt and public page (required before sending). */
  address: Localized;
  contactEmail: string;
  /** Optional; shown next to the contact email. */
  phone: string;
  websiteUrl: string;
  tagline: Localized;
  mission: Localized;
  impact: { asOf: Localized; figures: { value: number; unit: Localized; label: Localized }[] };
}

export interface FamilyPageSettings {
  headline: Localized;
  lead: Localized;
  plans: { amount: number; description: Localized }[];
  planNote: Localized;
  benefits: { title: Localized; body: Localized }[];
  faq: { question: Localized; answer: Localized }[];
  facebookGroupUrl: string;
  /** The live count of monthly supporters is shown from this many people on (a string, like every number setting). */
  countThreshold: string;
}

export interface EmailSettings {
  senderName: Localized;
  footer: Localized;
}

export interface ReceiptSettings {
  issuerName: Localized;
  issuerAddress: Localized;
  representative: Localized;
  taxNote: Localized;
}

export interface SecuritySettings {
  /** Admins must set up two-factor sign-in before using the console. */
  requireTotpForAdmins: boolean;
}

export interface PrivacySettings {
  /** The privacy notice shown at /privacy (paragraphs separated by blank lines). */
  notice: Localized;
}

/**
 * How gifts are booked in the accounting software: the account names and tax categories the export
 * files carry, so they import without edits. Gifts are booked gross to the donation account and the
 * Stripe fee to the fee account; Stripe gifts go through the receivable account until Stripe pays out.
 */
export interface AccountingSettings {
  donationAccount: string;
  feeAccount: string;
  /** Where card gifts wait until Stripe's payout (a receivable), with its sub-account. */
  stripeAccount: string;
  stripeSubAccount: string;
  /** Where bank transfers arrive, with its sub-account. */
  bankAccount: string;
  bankSubAccount: string;
  cashAccount: string;
  donationTaxCategory: string;
  feeTaxCategory: string;
  /** freee books 取引 against 口座 (wallets) registered under these names. */
  freeeStripeWallet: string;
  freeeBankWallet: string;
  freeeCashWallet: string;
}

/** The monthly rhythm of 「WELgeeファミリー通信」 and the sending speed (all Asia/Tokyo). */
export interface NewsletterSettings {
  /** Day of the month (1–28) each month's issue goes out. */
  issueDay: string;
  /** Time of day, HH:MM. */
  issueTime: string;
  /** The newsletter staff are reminded this many days before when nothing is scheduled for the month. */
  reminderDaysBefore: string;
  /** Messages per second across all workers. */
  messagesPerSecond: string;
}

export interface Settings {
  security: SecuritySettings;
  newsletter: NewsletterSettings;
  accounting: AccountingSettings;
  privacy: PrivacySettings;
  organisation: OrganisationSettings;
  familyPage: FamilyPageSettings;
  email: EmailSettings;
  receipt: ReceiptSettings;
}

export type SettingsKey = keyof Settings;

const notDeductible: Localized = {
  ja: '特定非営利活動法人WELgeeは認定NPO法人ではないため、このご寄付は寄付金控除の対象になりません。',
  en: 'WELgee is a specified non-profit corporation, not a certified (認定) NPO, so this gift is not tax-deductible.',
};

export const defaultSettings: Settings = {
  security: { requireTotpForAdmins: false },
  newsletter: { issueDay: '15', issueTime: '10:00', reminderDaysBefore: '5', messagesPerSecond: '20' },
  accounting: {
    donationAccount: '受取寄付金',
    feeAccount: '支払手数料',
    stripeAccount: '未収入金',
    stripeSubAccount: 'Stripe',
    bankAccount: '普通預金',
    bankSubAccount: '',
    cashAccount: '現金',
    // Gifts are outside consumption tax (不課税); Stripe's card fees in Japan are exempt (非課税).
    donationTaxCategory: '対象外',
    feeTaxCategory: '非課仕入',
    freeeStripeWallet: 'Stripe',
    freeeBankWallet: '普通預金',
    freeeCashWallet: '現金',
  },
  privacy: {
    notice: {
      ja: '特定非営利活動法人WELgee（以下「当法人」）は、ご寄付のお申し込みにあたってお預かりする個人情報（お名前、フリガナ、メールアドレス、ご住所、ご寄付の記録など）を、個人情報の保護に関する法律その他の関係法令に従って適切に取り扱います。\n\nお預かりした個人情報は、ご寄付の受領と領収書の発行、活動報告・お礼のご連絡、お申し込みいただいた場合のメールマガジン「WELgeeファミリー通信」の送付、お問い合わせへの対応のために利用します。\n\nクレジットカード情報は決済代行会社（Stripe）が直接お預かりし、当法人が受け取ることはありません。法令に基づく場合を除き、ご本人の同意なく個人情報を第三者に提供することはありません。\n\nメールマガジンでは、本文のリンクがクリックされたかどうかと回数を、当法人のサイトを経由するリンクで数えています（どの記事が読まれているかを知るためです）。開封の計測は行わず、クリックしたときのIPアドレスやブラウザの情報は記録しません。\n\nご自身の情報の開示・訂正・利用停止・削除をご希望の場合は、マイページまたは当法人までご連絡ください。',
      en: 'WELgee (a specified non-profit corporation, "we") handles the personal data you give us when you donate (your name, katakana reading, email address, postal address and the record of your gifts) in accordance with the Act on the Protection of Personal Information and other applicable laws.\n\nWe use it to receive your gifts and issue receipts, to report on our work and thank you, to send the monthly email "WELgee Family News" if you asked for it, and to answer your questions.\n\nYour card details are held directly by our payment provider (Stripe); we never receive them. We do not give your personal data to third parties without your consent, except where the law requires it.\n\nIn our newsletter, links in the text go through our own site so that we can count whether and how often each is clicked (to learn which stories are read). We do not track opening, and we keep no IP address or browser details of a click.\n\nTo see, correct, stop the use of or delete your data, use your supporter page or contact us.',
    },
  },
  organisation: {
    name: { ja: 'WELgee', en: 'WELgee' },
    legalName: { ja: '特定非営利活動法人WELgee', en: 'WELgee (specified non-profit corporation)' },
    representative: { ja: '代表理事 渡部 カンコロンゴ 清花', en: 'Sayaka Watanabe Kankolongo, Representative Director' },
    address: { ja: '', en: '' },
    contactEmail: 'family@welgee.example',
    phone: '',
    websiteUrl: 'https://welgee.jp',
    tagline: {
      ja: '日本にやって来た難民たちと、誰もが活躍できる未来を作っています。',
      en: 'Together with refugees who have come to Japan, we are building a future where everyone can thrive.',
    },
    mission: {
      ja: '「難民」という背景を超えて、誰もが「自分らしさ」を活かしながら、未来を創り変えていける状態をつくります。私たちの役割は、彼らの友人・家族として、志と可能性あふれる彼らの、夢に向かう道のりに伴走することです。',
      en: 'Beyond the label of "refugee", we create a state where everyone can reshape the future while making the most of who they are. Our role is to walk alongside them, as friends and family, on the road towards their dreams.',
    },
    impact: {
      asOf: { ja: '2023年9月15日現在', en: 'as of 15 September 2023' },
      figures: [
        { value: 450, unit: { ja: '人', en: '' }, label: { ja: '繋がってきた難民の数', en: 'refugees we have met and supported' } },
        { value: 37, unit: { ja: '人', en: '' }, label: { ja: '専門性を活かした仕事への就職人数', en: 'people hired into work that uses their skills' } },
        { value: 13, unit: { ja: '人', en: '' }, label: { ja: '在留資格変更人数', en: 'changes of residence status' } },
      ],
    },
  },
  familyPage: {
    headline: { ja: 'あなたもWELgeeファミリーになりませんか？', en: 'Will you join the WELgee Family?' },
    lead: {
      ja: '日本に逃れた難民等の人生は、受け入れ側の日本社会でどんな人たちと出会えるかに大きく左右されます。ただ、いま、難民等と社会をつなぐ伴走者が圧倒的に足りません。いまだからこそ、皆さんの力を貸していただけませんか？',
      en: 'The lives of refugees who have fled to Japan depend greatly on the people they meet here. Right now there are far too few companions connecting refugees with society. Will you lend us your strength?',
    },
    plans: [
      { amount: 1000, description: { ja: '毎月1,000円の寄付で1名の企業面談まで伴走できます。', en: '¥1,000 a month accompanies one person up to a company interview.' } },
      { amount: 5000, description: { ja: '毎月5,000円の寄付で1名の採用まで伴走できます。', en: '¥5,000 a month accompanies one person all the way to being hired.' } },
      {
        amount: 10000,
        description: {
          ja: '毎月10,000円の寄付で1名がビジネス日本語を習得する機会を得ることができます。',
          en: '¥10,000 a month gives one person the chance to learn business Japanese.',
        },
      },
    ],
    planNote: { ja: '※1年間ご寄付を続けられた場合', en: '* When the gift continues for one year.' },
    benefits: [
      {
        title: { ja: '活動成果をお伝えします', en: 'Reports on our results' },
        body: {
          ja: '年に数回、活動成果が分かる報告書や手紙の送付、限定イベントをご案内します。',
          en: 'A few times a year we send reports and letters on our results, and invite you to members-only events.',
        },
      },
      {
        title: { ja: 'Facebook「WELgeeファミリー限定グループ」', en: 'The WELgee Family Facebook group' },
        body: {
          ja: 'ここでしか知ることのできない難民の方とのエピソードをお伝えしたり、限定イベントへとご招待します。',
          en: 'Stories of the refugees we work with that are shared only here, and invitations to members-only events.',
        },
      },
      {
        title: { ja: '「WELgeeファミリー通信」をお届け！', en: 'The monthly "WELgee Family News"' },
        body: {
          ja: '毎月のメールマガジンで、最新の活動の成果やオンエア予告、難民の方の活躍の姿などをお届けします。',
          en: 'A monthly email with our latest results, upcoming media appearances and the people we work with.',
        },
      },
    ],
    faq: [
      {
        question: { ja: 'WELgeeへの継続寄付の使途は？', en: 'What is my monthly gift used for?' },
        answer: {
          ja: '皆さまから賜りましたご寄付は、ウクライナ・アフガニスタン避難民の方々を含む、日本に暮らす難民等の方々へのキャリアへの伴走のための費用として使わせていただきます。',
          en: 'Your gifts fund our career support for refugees living in Japan, including evacuees from Ukraine and Afghanistan.',
        },
      },
      {
        question: { ja: '企業や法人からの寄付は受け付けてますか？', en: 'Do you accept gifts from companies?' },
        answer: {
          ja: 'はい、受け付けております。法人名とご担当者名をご入力のうえお申し込みください。',
          en: 'Yes. Please enter the organisation name and a contact person when you sign up.',
        },
      },
      {
        question: { ja: '寄付の使用用途はこちらで指定できますか？', en: 'Can I choose what my gift is used for?' },
        answer: {
          ja: '寄付金管理の都合上、本寄付は使途指定寄付ではなくWELgee全体へのご寄付として扱わせていただいています。',
          en: 'For administrative reasons gifts cannot be earmarked; they support WELgee as a whole.',
        },
      },
      {
        question: { ja: '寄付した金額は控除の対象になりますか？', en: 'Is my gift tax-deductible?' },
        answer: {
          ja: '弊団体の法人形態は「特定非営利活動法人」であり、寄付控除が受けられる「認定特定非営利活動法人」ではございません。',
          en: 'WELgee is a specified non-profit corporation, not a certified (認定) NPO, so gifts are not tax-deductible.',
        },
      },
      {
        question: { ja: '「難民」とはどのような人を指すのですか？', en: 'Who counts as a "refugee"?' },
        answer: {
          ja: '難民条約・議定書において、難民は「人種・宗教・国籍・特定の社会的集団の成員資格・政治的意見を理由に迫害されるという十分に理由のある恐怖のために国籍国の外におり、かつ、その国の保護を受けられないか、そのような恐怖のためにそれを望まない者」と定義されています。WELgeeは、命の危険があって現在祖国に戻れない状態にある人を活動の対象としており、認定難民・難民認定申請者・後発的難民・避難民なども含んでいます。',
          en: "The Refugee Convention defines a refugee as someone outside their country owing to a well-founded fear of persecution for reasons of race, religion, nationality, membership of a particular social group or political opinion, who cannot or, owing to such fear, will not seek that country's protection. WELgee works with everyone who cannot return home because their life would be in danger: recognised refugees, asylum seekers, refugees sur place and evacuees.",
        },
      },
    ],
    facebookGroupUrl: 'https://www.facebook.com/groups/welgeefamily',
    countThreshold: '10',
  },
  email: {
    senderName: { ja: 'WELgee', en: 'WELgee' },
    footer: {
      ja: '日本に逃れた難民とともに未来を築く団体です。',
      en: 'WELgee — building the future together with refugees who have fled to Japan.',
    },
  },
  receipt: {
    issuerName: { ja: '特定非営利活動法人WELgee', en: 'WELgee (specified non-profit corporation)' },
    issuerAddress: { ja: '', en: '' },
    representative: { ja: '代表理事 渡部 カンコロンゴ 清花', en: 'Sayaka Watanabe Kankolongo, Representative Director' },
    taxNote: notDeductible,
  },
};
