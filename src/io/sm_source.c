#include "sm_source.h"

sm_status sm_source_next(sm_source_t *s, uint64_t wall_us, sm_frame_t *out)
{
    return s->ops->next(s, wall_us, out);
}

int sm_source_fd(sm_source_t *s)
{
    return s->ops->fd ? s->ops->fd(s) : -1;
}

int sm_source_due_ms(sm_source_t *s, uint64_t wall_us)
{
    return s->ops->due_ms ? s->ops->due_ms(s, wall_us) : -1;
}

void sm_source_status(sm_source_t *s, sm_source_status_t *st)
{
    s->ops->status(s, st);
}

sm_status sm_source_control(sm_source_t *s, sm_source_ctl ctl, double arg, uint64_t wall_us)
{
    return s->ops->control ? s->ops->control(s, ctl, arg, wall_us) : SM_ERR_ARG;
}

void sm_source_destroy(sm_source_t *s)
{
    if (s)
        s->ops->destroy(s);
}
