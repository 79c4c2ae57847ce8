/** The vocabulary of the demo catalog: categories, their brands, product nouns and options. */

export interface CategorySpec {
  slug: string;
  name: string;
  description: string;
  /** Product nouns; a title is "<brand> <adjective> <noun>". */
  nouns: string[];
  adjectives: string[];
  brands: string[];
  /** Option name -> possible values; variants are combinations. */
  options: Record<string, string[]>;
  /** Base price range in minor units. */
  price: [number, number];
  /** Whether products come with a manual or data sheet. */
  documents: boolean;
}

export const categories: CategorySpec[] = [
  {
    slug: 'headphones',
    name: 'Headphones',
    description: 'Over-ear, on-ear and in-ear headphones, wired and wireless.',
    nouns: ['Headphones', 'Earbuds', 'Over-Ear Headphones', 'In-Ear Monitors', 'Headset'],
    adjectives: ['Wireless', 'Noise-Cancelling', 'Studio', 'Bluetooth', 'Sport', 'Hi-Fi'],
    brands: ['Sonora', 'Aurelis', 'Bassline', 'Quietwave'],
    options: { Color: ['Black', 'White', 'Silver', 'Navy', 'Rose'] },
    price: [2_999, 39_999],
    documents: true,
  },
  {
    slug: 'speakers',
    name: 'Speakers',
    description: 'Portable, smart and home-theatre speakers.',
    nouns: ['Speaker', 'Soundbar', 'Bookshelf Speakers', 'Smart Speaker', 'Subwoofer'],
    adjectives: ['Portable', 'Waterproof', 'Wireless', 'Compact', 'Surround'],
    brands: ['Sonora', 'Boomcraft', 'Aurelis'],
    options: { Color: ['Black', 'Grey', 'Blue', 'Red'] },
    price: [3_999, 79_999],
    documents: true,
  },
  {
    slug: 'laptops',
    name: 'Laptops',
    description: 'Ultrabooks, workstations and everyday notebooks.',
    nouns: ['Laptop', 'Notebook', 'Ultrabook', 'Chromebook', '2-in-1 Laptop'],
    adjectives: ['Slim', 'Pro', 'Gaming', 'Lightweight', 'Creator'],
    brands: ['Vertex', 'Lumina', 'Corebyte', 'Northwind Computing'],
    options: { Memory: ['8GB', '16GB', '32GB'], Storage: ['256GB', '512GB', '1TB'] },
    price: [49_999, 299_999],
    documents: true,
  },
  {
    slug: 'smartphones',
    name: 'Smartphones',
    description: 'Unlocked smartphones with the latest cameras and displays.',
    nouns: ['Smartphone', 'Phone', 'Mini Phone', 'Foldable Phone'],
    adjectives: ['5G', 'Pro', 'Ultra', 'Lite', 'Max'],
    brands: ['Lumina', 'Pixelon', 'Vertex'],
    options: { Storage: ['128GB', '256GB', '512GB'], Color: ['Graphite', 'Silver', 'Green'] },
    price: [29_999, 149_999],
    documents: true,
  },
  {
    slug: 'cameras',
    name: 'Cameras',
    description: 'Mirrorless, compact and action cameras with lenses and kits.',
    nouns: ['Mirrorless Camera', 'Action Camera', 'Compact Camera', 'Instant Camera', 'Lens'],
    adjectives: ['Full-Frame', '4K', 'Vlogging', 'Rugged', 'Travel'],
    brands: ['Optiva', 'Pixelon', 'Shutterline', 'Halide Works'],
    options: { Kit: ['Body only', 'With 24-70mm lens'] },
    price: [19_999, 349_999],
    documents: true,
  },
  {
    slug: 'watches',
    name: 'Watches',
    description: 'Smartwatches, fitness trackers and classic watches.',
    nouns: ['Smartwatch', 'Fitness Tracker', 'Chronograph', 'Dive Watch', 'Field Watch'],
    adjectives: ['Classic', 'GPS', 'Solar', 'Automatic', 'Titanium'],
    brands: ['Tempo', 'Northwind', 'Chronis'],
    options: { Size: ['40mm', '44mm'], Band: ['Leather', 'Steel', 'Silicone'] },
    price: [4_999, 89_999],
    documents: false,
  },
  {
    slug: 'running-shoes',
    name: 'Running Shoes',
    description: 'Road, trail and racing shoes for every distance.',
    nouns: ['Running Shoes', 'Trail Runners', 'Racing Flats', 'Trainers'],
    adjectives: ['Cushioned', 'Lightweight', 'Waterproof', 'Carbon', 'Everyday'],
    brands: ['Stridewell', 'Trailhead', 'Velocita'],
    options: { Size: ['7', '8', '9', '10', '11', '12'], Color: ['Black', 'Blue', 'Orange'] },
    price: [5_999, 24_999],
    documents: false,
  },
  {
    slug: 'backpacks',
    name: 'Backpacks',
    description: 'Daypacks, laptop bags and travel packs.',
    nouns: ['Backpack', 'Daypack', 'Laptop Bag', 'Travel Pack', 'Hydration Pack'],
    adjectives: ['Waterproof', 'Commuter', 'Hiking', 'Roll-Top', 'Carry-On'],
    brands: ['Trailhead', 'Packwright', 'Northwind', 'Fieldcraft'],
    options: { Color: ['Black', 'Olive', 'Sand', 'Navy'], Capacity: ['20L', '30L'] },
    price: [3_499, 29_999],
    documents: false,
  },
  {
    slug: 'jackets',
    name: 'Jackets',
    description: 'Rain shells, down jackets and fleeces.',
    nouns: ['Jacket', 'Rain Shell', 'Down Jacket', 'Fleece', 'Parka'],
    adjectives: ['Insulated', 'Packable', 'Windproof', 'Waterproof', 'Lightweight'],
    brands: ['Packwright', 'Alpenglow', 'Trailhead'],
    options: { Size: ['XS', 'S', 'M', 'L', 'XL'], Color: ['Black', 'Red', 'Forest'] },
    price: [4_999, 44_999],
    documents: false,
  },
  {
    slug: 'coffee',
    name: 'Coffee',
    description: 'Single-origin beans, blends and brewing gear.',
    nouns: ['Coffee Beans', 'Espresso Blend', 'Cold Brew Coffee', 'Decaf Roast', 'Pour-Over Kit'],
    adjectives: ['Organic', 'Dark Roast', 'Light Roast', 'Single-Origin', 'Fair Trade'],
    brands: ['Roastery Nine', 'Bean & Bloom', 'Kaldi Co.'],
    options: { Weight: ['250g', '500g', '1kg'], Grind: ['Whole bean', 'Ground'] },
    price: [999, 4_999],
    documents: false,
  },
  {
    slug: 'kitchen',
    name: 'Kitchen',
    description: 'Cookware, knives and small kitchen appliances.',
    nouns: ['Chef Knife', 'Frying Pan', 'Blender', 'Espresso Machine', 'Dutch Oven', 'Kettle'],
    adjectives: ['Stainless', 'Cast Iron', 'Non-Stick', 'Electric', 'Professional'],
    brands: ['Hearthline', 'Kaldi Co.', 'Forgeworks'],
    options: { Finish: ['Steel', 'Black', 'Copper'] },
    price: [1_999, 69_999],
    documents: true,
  },
  {
    slug: 'lighting',
    name: 'Lighting',
    description: 'Desk lamps, smart bulbs and ceiling lights.',
    nouns: ['Desk Lamp', 'Smart Bulb', 'Floor Lamp', 'Pendant Light', 'LED Strip'],
    adjectives: ['Dimmable', 'Smart', 'Minimalist', 'Adjustable', 'Warm-White'],
    brands: ['Lumenhaus', 'Glowforge', 'Hearthline'],
    options: { Color: ['White', 'Black', 'Brass'] },
    price: [1_499, 29_999],
    documents: true,
  },
  {
    slug: 'books',
    name: 'Books',
    description: 'Cookbooks, travel guides and field manuals.',
    nouns: ['Cookbook', 'Travel Guide', 'Field Guide', 'Photography Handbook', 'Running Manual'],
    adjectives: ['Illustrated', 'Complete', 'Pocket', 'Essential', 'Practical'],
    brands: ['Inkwell Press', 'Meridian Books'],
    options: { Format: ['Hardcover', 'Paperback'] },
    price: [999, 4_999],
    documents: false,
  },
];

export const reviewPhrases: Record<number, { titles: string[]; bodies: string[] }> = {
  5: {
    titles: [
      'Excellent',
      'Love it',
      'Exactly what I wanted',
      'Worth every penny',
      'Superb quality',
    ],
    bodies: [
      'Works perfectly and feels well made. Would buy again.',
      'Arrived quickly and exceeded my expectations in every way.',
      'Great value for the price; I use it every day.',
    ],
  },
  4: {
    titles: ['Very good', 'Happy with it', 'Solid choice', 'Nearly perfect'],
    bodies: [
      'Does the job well. One or two small things could be better.',
      'Good quality overall; the packaging could be smaller.',
    ],
  },
  3: {
    titles: ['It is okay', 'Average', 'Mixed feelings'],
    bodies: [
      'Fine for the price, but I expected a bit more.',
      'Works, though not as described in every detail.',
    ],
  },
  2: {
    titles: ['Disappointing', 'Not great'],
    bodies: ['Stopped working properly after a few weeks.', 'Quality does not match the photos.'],
  },
  1: {
    titles: ['Would not recommend', 'Returned it'],
    bodies: ['Arrived damaged and support was slow to answer.', 'Did not work out of the box.'],
  },
};
