/* The simulated mat: configuration, the frame pipeline (scenario -> contacts -> kPa -> counts)
 * and the ground truth. */
#include "sm_sim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sm_sim_internal.h"

/* The hook base's load centroid moves by kx * ax * this: int u^2 g / int g, g = (1-u^4)^2. */
#define BASE_RAMP_SHIFT (45.0 / 231.0)

struct sm_sim {
    int rows, cols;
    double pitch;
    sim_scene_t scene;
    sim_sensor_t sensor;
    double *kpa;
    sim_contact_t contacts[SIM_MAX_CONTACTS];
    double onmat[SIM_MAX_CONTACTS];
    sm_sim_truth_t truth;
    sim_body_scratch_t scr;
};

void sm_sim_config_default(sm_sim_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->scenario = "ball-steady";
    cfg->seed = 1;
    cfg->rows = 32;
    cfg->cols = 24;
    cfg->pitch_mm = 25.0;
    cfg->effects = SM_SIM_ALL;
    cfg->sample_bits = 10;
    cfg->body_mass_kg = 75.0;
    cfg->tool_share = 0.3;
    cfg->breath_hz = 0.15;
}

const char *sm_sim_model_name(const sm_sim_config_t *cfg)
{
    int reference = cfg->rows == 32 && cfg->cols == 24 && cfg->pitch_mm == 25.0 &&
                    cfg->sample_bits == 10 && cfg->effects == SM_SIM_ALL;
    return reference ? SM_SIM_MODEL_REFERENCE : SM_SIM_MODEL_OTHER;
}

static int config_ok(const sm_sim_config_t *c)
{
    if (c->rows < 1 || c->rows > 64 || c->cols < 1 || c->cols > 64)
        return 0;
    if (!(c->pitch_mm >= 0.1 && c->pitch_mm <= 1000.0))
        return 0; /* also rejects NaN */
    if (c->sample_bits < 1 || c->sample_bits > 16 || (c->effects & ~SM_SIM_ALL))
        return 0;
    if (!(c->body_mass_kg == 0.0 || (c->body_mass_kg >= 10.0 && c->body_mass_kg <= 300.0)))
        return 0;
    if (!(c->tool_share >= 0.0 && c->tool_share <= 0.9))
        return 0;
    if (!(c->breath_hz == 0.0 || (c->breath_hz >= 0.02 && c->breath_hz <= 2.0)))
        return 0;
    if (!(fabs(c->body_shift_x_mm) <= 1000.0 && fabs(c->body_shift_y_mm) <= 1000.0))
        return 0;
    if (c->trace_n > 0) {
        if (!c->trace_x_mm || !c->trace_y_mm || !(c->trace_rate_hz > 0.0) ||
            !isfinite(c->trace_rate_hz) || c->trace_n > ((size_t)1 << 26))
            return 0;
        for (size_t i = 0; i < c->trace_n; i++)
            if (!isfinite(c->trace_x_mm[i]) || !isfinite(c->trace_y_mm[i]))
                return 0;
    }
    return 1;
}

sm_status sm_sim_create(const sm_sim_config_t *cfg, sm_sim_t **out)
{
    if (!out)
        return SM_ERR_ARG;
    *out = NULL;
    if (!cfg || !config_ok(cfg))
        return SM_ERR_ARG;
    const sim_scenario_t *scn = sm_sim_scenario_find(cfg->scenario);
    if (!scn)
        return SM_ERR_ARG;
    sm_sim_t *s = calloc(1, sizeof *s);
    if (!s)
        return SM_ERR_NOMEM;
    s->rows = cfg->rows;
    s->cols = cfg->cols;
    s->pitch = cfg->pitch_mm;
    s->kpa = calloc((size_t)cfg->rows * (size_t)cfg->cols, sizeof *s->kpa);
    sm_status st = s->kpa ? sm_sim_scene_init(&s->scene, scn, cfg) : SM_ERR_NOMEM;
    if (st == SM_OK) {
        double x, y;
        int ar = -1, ac = -1;
        if (sm_sim_scene_first_tool(&s->scene, &x, &y)) {
            ar = (int)floor(y / cfg->pitch_mm);
            ac = (int)floor(x / cfg->pitch_mm);
        }
        st = sm_sim_sensor_init(&s->sensor, cfg->rows, cfg->cols, cfg->effects, cfg->sample_bits,
                                cfg->seed, ar, ac);
    }
    if (st != SM_OK) {
        sm_sim_destroy(s);
        return st;
    }
    s->truth.dead_cells = s->sensor.faults;
    *out = s;
    return SM_OK;
}

void sm_sim_destroy(sm_sim_t *sim)
{
    if (!sim)
        return;
    sm_sim_scene_free(&sim->scene);
    sm_sim_sensor_free(&sim->sensor);
    free(sim->kpa);
    free(sim);
}

void sm_sim_render(sm_sim_t *sim, uint64_t t_us, uint16_t *cells)
{
    size_t ncell = (size_t)sim->rows * (size_t)sim->cols;
    double t = (double)t_us / 1e6;
    sim_state_t st;
    size_t n = sm_sim_scene_contacts(&sim->scene, t, sim->contacts, &st);
    memset(sim->kpa, 0, ncell * sizeof *sim->kpa);
    sm_sim_body_render(sim->contacts, n, sim->rows, sim->cols, sim->pitch, sim->kpa, sim->onmat,
                       &sim->scr);
    sm_sim_sensor_convert(&sim->sensor, sim->kpa, t, t_us, cells);

    sm_sim_truth_t *tr = &sim->truth;
    double total = 0.0;
    for (size_t i = 0; i < ncell; i++)
        total += sim->kpa[i];
    tr->t_s = t;
    tr->total_force_n = total * sim->pitch * sim->pitch / 1000.0;
    double tf = 0.0, tw = 0.0, sx = 0.0, sy = 0.0;
    for (size_t i = 0; i < n; i++) {
        const sim_contact_t *c = &sim->contacts[i];
        if (!c->tool)
            continue;
        tf += sim->onmat[i];
        /* Centroid from the model forces, so it stays defined when the tool is off the mat. */
        double cx = c->x + (c->prof == PROF_BASE ? c->kx * c->ax * BASE_RAMP_SHIFT : 0.0);
        sx += c->f * cx;
        sy += c->f * c->y;
        tw += c->f;
    }
    tr->tool_force_n = tf;
    tr->tool_present = st.tool_present_model && tf > 0.5;
    if (tw > 0.0) {
        tr->tool_col = sx / tw / sim->pitch;
        tr->tool_row = sy / tw / sim->pitch;
    }
    tr->wiggling = st.wiggling;
    tr->spot = st.spot;
    tr->phase = st.phase;
    tr->breath_hz = st.breath_hz;
    tr->breath = st.breath;
    tr->dead_cells = sim->sensor.faults;
}

void sm_sim_truth(const sm_sim_t *sim, sm_sim_truth_t *out)
{
    *out = sim->truth;
}

size_t sm_sim_events(const sm_sim_t *sim, const sm_sim_event_t **events)
{
    *events = sim->scene.events;
    return sim->scene.nevents;
}

double sm_sim_duration(const sm_sim_t *sim)
{
    return sm_sim_scenario_duration(sim->scene.sc);
}

size_t sm_sim_steps(const sm_sim_t *sim, const sm_sim_step_t **steps)
{
    return sm_sim_scenario_steps(sim->scene.sc, steps);
}

const double *sm_sim_pressure(const sm_sim_t *sim)
{
    return sim->kpa;
}

int sm_sim_cell_fault(const sm_sim_t *sim, int row, int col)
{
    if (row < 0 || col < 0 || row >= sim->rows || col >= sim->cols)
        return SM_SIM_CELL_OK;
    return sim->sensor.fault[row * sim->cols + col];
}
