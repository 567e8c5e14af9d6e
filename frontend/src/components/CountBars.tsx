import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

interface CountBarsProps {
  rows: readonly { name: string; count: number }[];
  label: string;
  color?: string;
}

/** Horizontal bars of counts by name; names are drawn as SVG text only. */
export function CountBars({ rows, label, color = '#2f7ed8' }: CountBarsProps) {
  const height = Math.max(120, rows.length * 26 + 40);
  return (
    <div className="chart" role="img" aria-label={label}>
      <ResponsiveContainer width="100%" height={height}>
        <BarChart
          data={[...rows]}
          layout="vertical"
          margin={{ top: 4, right: 16, bottom: 4, left: 8 }}
        >
          <CartesianGrid strokeDasharray="3 3" stroke="#8884" horizontal={false} />
          <XAxis type="number" allowDecimals={false} />
          <YAxis type="category" dataKey="name" width={110} interval={0} />
          <Tooltip />
          <Bar dataKey="count" name="Count" fill={color} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
